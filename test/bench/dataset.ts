import { rmSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { createDataSource } from '../../ormconfig';
import { SHIPPED_TEMPLATES } from '../../migrations/1763700000000-InitialSchema';
import type { EntityManager } from 'typeorm';
import { searchTextOf, sortNameOf } from '../../src/customers/customer.entity';
import { MCA } from './scenarios';

/** MCA version 1 (shipped by the first migration) and the version 2 the data set publishes. */
export const MCA_V1 = SHIPPED_TEMPLATES[0].id;
export const MCA_V2 = 'b2c0ffee-2025-4000-8000-0000000bench';
export const MCA_V2_EFFECTIVE = '2025-06-01';
/**
 * An active re-acceptance rule of version 2: its acceptances dated before
 * RULE_ACCEPTED_BEFORE are OUTDATED from RULE_OUTDATED_FROM (long begun), so
 * that every status read goes through the whole rule. The benchmark's
 * confirmations (CONFIRM_DATE) are dated after it.
 */
export const RULE_ACCEPTED_BEFORE = '2025-08-01';
export const RULE_OUTDATED_FROM = '2026-01-01';

export const BENCH_PARTNER = {
  id: 'be9c0000-0000-4000-8000-000000000001',
  name: 'Contoso Bench CSP',
  type: 'DIRECT_BILL',
  cloud: 'PUBLIC',
};
const OTHER_PARTNER = {
  id: 'be9c0000-0000-4000-8000-000000000002',
  name: 'Fabrikam Bench Distribution',
  type: 'INDIRECT_PROVIDER',
  cloud: 'PUBLIC',
};
const OFFERS = [
  { id: 'CFQ7TTC0LH18', name: 'Microsoft 365 Business Basic', billing_type: 'LICENSE' },
  { id: 'CFQ7TTC0LFLX', name: 'Microsoft 365 E3', billing_type: 'LICENSE' },
  { id: 'DZH318Z0BPS6', name: 'Azure plan', billing_type: 'USAGE' },
];

export type Status = 'ACCEPTED' | 'OUTDATED' | 'NOT_ACCEPTED';

export interface Dataset {
  customers: number;
  relationships: number;
  acceptances: number;
  currentAcceptances: number;
  subscriptions: number;
  /** Status of the bench partner's customers (OUTDATED: of version 1, or of version 2 under its rule). */
  statusCounts: Record<Status, number>;
  /** The bench partner's NOT_ACCEPTED customers, in generation order (scenario d). */
  notAccepted: { id: string; companyName: string }[];
  /** The bench partner's customers, in generation order (scenario b). */
  customerIds: string[];
  generationMs: number;
}

/** Mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(next() * 4)]}${hex.slice(17, 20)}-${hex.slice(20)}`;
    },
  };
}

const COMPANY = ['Alpine', 'Blue Yonder', 'Coho', 'Datum', 'Fourth Coffee', 'Graphic', 'Humongous', 'Lamna', 'Lucerne', 'Margie',
  'Nod', 'Relecloud', 'Southridge', 'Trey', 'VanArsdel', 'Wingtip', 'Woodgrove', 'Adventure', 'Bellows', 'Contoso', 'Northwind',
  'Proseware', 'Tailspin', 'Litware', 'Wide World', 'Fabrikam', 'Adatum', 'Munson', 'Olympia', 'Consolidated'];
const TRADE = ['Airlines', 'Bank', 'Consulting', 'Design', 'Foods', 'Health', 'Media', 'Research', 'Toys', 'Winery', 'Logistics',
  'Pharma', 'Energy', 'Studios', 'Motors', 'Insurance', 'Textiles', 'Robotics', 'Outfitters', 'Travel'];
const FORM = ['Ltd', 'Inc', 'GmbH', 'AG', 'LLC', 'SA', 'BV', 'Pty', 'Oy', 'AB'];
const GIVEN = ['Tania', 'Ravi', 'Mei', 'Jonas', 'Amara', 'Lucas', 'Sofia', 'Kenji', 'Nadia', 'Omar', 'Ines', 'Pavel', 'Aiko', 'Bruno',
  'Chloe', 'Dmitri', 'Elif', 'Farah', 'Goran', 'Hana'];
const FAMILY = ['Carr', 'Patel', 'Chen', 'Berg', 'Okafor', 'Silva', 'Rossi', 'Sato', 'Haddad', 'Novak', 'Garcia', 'Moreau', 'Kowalski',
  'Nguyen', 'Larsen', 'Ibrahim', 'Fischer', 'Dubois', 'Yilmaz', 'Mensah'];

const DAY = 86_400_000;
const dayText = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const V1_FROM = Date.UTC(2019, 9, 1);
const V1_TO = Date.UTC(2025, 4, 31);
const V2_FROM = Date.UTC(2025, 5, 1);
const V2_TO = Date.UTC(2026, 9, 31);

type Value = string | number | boolean | Date | null;
type Rows = Record<string, Value>[];

/**
 * Drops and re-creates the benchmark database (MySQL/MariaDB, or an SQLite
 * file for `sqlite:PATH`), runs the product's migrations and loads a
 * deterministic data set (same seed, same rows): the bench partner with
 * `customers` related customers, about a third ACCEPTED (current acceptance
 * of MCA version 2), a third OUTDATED (of version 1, or of version 2 under
 * its re-acceptance rule) and a third NOT_ACCEPTED, histories of one to three
 * records, subscriptions, and a second partner related to a quarter of the
 * customers with records of its own.
 */
export async function createBenchDatabase(url: string, customers: number, seed = 20261121): Promise<Dataset> {
  const started = Date.now();
  const sqlite = url.startsWith('sqlite:');
  if (sqlite) {
    rmSync(url.slice('sqlite:'.length), { force: true });
  } else {
    const target = new URL(url);
    const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`BENCH_DATABASE_URL: unexpected database name "${name}"`);
    const admin = await createConnection({
      host: target.hostname,
      port: Number(target.port || 3306),
      user: decodeURIComponent(target.username),
      password: decodeURIComponent(target.password),
    });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await admin.end();
  }

  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'all' });
    const rows = generate(customers, seed);
    await dataSource.transaction(async (tx) => {
      const insert = (table: string, values: Rows) => insertRows(tx, table, values, sqlite);
      await insert('partners', [BENCH_PARTNER, OTHER_PARTNER]);
      await insert('agreement_templates', [
        { id: MCA_V2, type: MCA, agreement_link: 'https://aka.ms/customeragreement', version_rank: 2, effective_date: MCA_V2_EFFECTIVE, retired: false },
      ]);
      await insert('reacceptance_rules', [
        { template_id: MCA_V2, accepted_before: RULE_ACCEPTED_BEFORE, outdated_from: RULE_OUTDATED_FROM, activated_at: new Date(Date.UTC(2025, 11, 1)) },
      ]);
      await insert('offers', OFFERS);
      await insert('customers', rows.customers);
      await insert('partner_customers', rows.relationships);
      await insert('subscriptions', rows.subscriptions);
      await insert('acceptances', rows.acceptances);
      await insert('current_acceptances', rows.current);
      // The per-partner counts that totalCount reads, as every write keeps them ('' counts customers without an acceptance).
      await tx.query(
        'INSERT INTO status_counts (partner_id, agreement_type, template_id, accepted_before_rule, shard, customers) ' +
          "SELECT pc.partner_id, ?, COALESCE(ca.template_id, ''), COALESCE(ca.accepted_before_rule, 0), 0, COUNT(*) FROM partner_customers pc " +
          'LEFT JOIN current_acceptances ca ON ca.partner_id = pc.partner_id AND ca.customer_id = pc.customer_id AND ca.agreement_type = ? ' +
          "GROUP BY pc.partner_id, COALESCE(ca.template_id, ''), COALESCE(ca.accepted_before_rule, 0)",
        [MCA, MCA],
      );
    });
    // Fresh statistics, so that every run plans its statements from the same picture.
    await dataSource.query(
      sqlite
        ? 'ANALYZE'
        : 'ANALYZE TABLE partners, customers, partner_customers, agreement_templates, reacceptance_rules, subscriptions, acceptances, current_acceptances, status_counts',
    );
    return {
      customers,
      relationships: rows.relationships.length,
      acceptances: rows.acceptances.length,
      currentAcceptances: rows.current.length,
      subscriptions: rows.subscriptions.length,
      statusCounts: rows.statusCounts,
      notAccepted: rows.notAccepted,
      customerIds: rows.customerIds,
      generationMs: Date.now() - started,
    };
  } finally {
    await dataSource.destroy();
  }
}

function generate(count: number, seed: number) {
  const random = prng(seed);
  const customers: Rows = [];
  const relationships: Rows = [];
  const subscriptions: Rows = [];
  const acceptances: Rows = [];
  const current: Rows = [];
  const statusCounts: Record<Status, number> = { ACCEPTED: 0, OUTDATED: 0, NOT_ACCEPTED: 0 };
  const notAccepted: { id: string; companyName: string }[] = [];
  const customerIds: string[] = [];

  const contact = (n: number) => {
    const firstName = random.pick(GIVEN);
    const lastName = random.pick(FAMILY);
    return {
      firstName,
      lastName,
      email: `${firstName}.${lastName}${n}@mail.example`.toLowerCase(),
      phoneNumber: random.next() < 0.2 ? null : `+1 425 555 ${String(1000 + random.int(9000))}`,
    };
  };

  /** Records of one partner for one customer, oldest first; the last is current. */
  const history = (customerId: string, partnerId: string, templates: string[], primary: ReturnType<typeof contact>, n: number) => {
    let sequence = 0;
    let last: Record<string, Value> | null = null;
    let from = 0;
    templates.forEach((templateId, i) => {
      const [lo, hi] = templateId === MCA_V1 ? [V1_FROM, V1_TO] : [V2_FROM, V2_TO];
      const start = Math.max(lo, from);
      const day = start + random.int(Math.max(1, Math.floor((hi - start) / DAY / (templates.length - i)))) * DAY;
      from = day + DAY;
      const signer = i === 0 ? primary : contact(n);
      sequence += 1;
      last = {
        id: random.uuid(),
        customer_id: customerId,
        partner_id: partnerId,
        template_id: templateId,
        agreement_type: MCA,
        method: 'CONFIRMATION',
        channel: i === 0 ? 'IMPORT' : 'EXISTING_CUSTOMER',
        scenario: null,
        accepted_by_first_name: signer.firstName,
        accepted_by_last_name: signer.lastName,
        accepted_by_email: signer.email,
        accepted_by_phone_number: signer.phoneNumber,
        date_agreed: dayText(day),
        recorded_by_user_id: `bench-agent-${random.int(20)}`,
        recorded_by_role: 'ADMIN_AGENT',
        recorded_at: new Date(day + DAY / 2 + random.int(3_600_000)),
        sequence,
      };
      acceptances.push(last);
    });
    if (!last) return null;
    const { id, template_id, date_agreed, method } = last as { id: string; template_id: string; date_agreed: string; method: string };
    const accepted_before_rule = template_id === MCA_V2 && date_agreed < RULE_ACCEPTED_BEFORE;
    current.push({ partner_id: partnerId, customer_id: customerId, agreement_type: MCA, acceptance_id: id, template_id, date_agreed, method, accepted_before_rule, last_sequence: sequence });
    return { accepted_before_rule };
  };
  /** One to three records: 20% one, 40% two, 40% three. */
  const length = () => {
    const r = random.next();
    return r < 0.2 ? 1 : r < 0.6 ? 2 : 3;
  };

  for (let n = 0; n < count; n++) {
    const id = random.uuid();
    const companyName = `${random.pick(COMPANY)} ${random.pick(TRADE)} ${random.pick(FORM)}`;
    const domain = `${companyName.toLowerCase().replace(/[^a-z0-9]+/g, '')}${n}.onmicrosoft.com`;
    const primary = contact(n);
    customers.push({
      id,
      company_name: companyName,
      domain,
      contact_first_name: primary.firstName,
      contact_last_name: primary.lastName,
      contact_email: primary.email,
      contact_phone_number: primary.phoneNumber,
      search_text: searchTextOf(companyName, domain),
      created_at: new Date(Date.UTC(2019, 0, 1) + random.int(2000) * DAY),
    });
    customerIds.push(id);
    relationships.push({ partner_id: BENCH_PARTNER.id, customer_id: id, sort_name: sortNameOf(companyName) });

    const r = random.next();
    const drawn: Status = r < 1 / 3 ? 'ACCEPTED' : r < 2 / 3 ? 'OUTDATED' : 'NOT_ACCEPTED';
    let status = drawn;
    if (drawn === 'NOT_ACCEPTED') notAccepted.push({ id, companyName });
    if (drawn !== 'NOT_ACCEPTED') {
      const records = length();
      const templates =
        drawn === 'OUTDATED'
          ? Array.from({ length: records }, () => MCA_V1)
          : Array.from({ length: records }, (_, i) => (i === records - 1 || (i > 0 && random.next() < 0.5) ? MCA_V2 : MCA_V1));
      // Of version 2 but dated before the rule's day: OUTDATED by the rule.
      if (history(id, BENCH_PARTNER.id, templates, primary, n)?.accepted_before_rule) status = 'OUTDATED';
    }
    statusCounts[status] += 1;

    const subscribe = (partnerId: string) => {
      const offer = random.pick(OFFERS);
      subscriptions.push({
        id: random.uuid(),
        customer_id: id,
        partner_id: partnerId,
        offer_id: offer.id,
        quantity: offer.billing_type === 'LICENSE' ? 1 + random.int(300) : null,
        auto_renew: random.next() < 0.8,
        created_at: new Date(Date.UTC(2020, 0, 1) + random.int(1500) * DAY),
      });
    };
    if (random.next() < 0.6) subscribe(BENCH_PARTNER.id);
    if (random.next() < 0.2) subscribe(BENCH_PARTNER.id);

    if (random.next() < 0.25) {
      relationships.push({ partner_id: OTHER_PARTNER.id, customer_id: id, sort_name: sortNameOf(companyName) });
      history(id, OTHER_PARTNER.id, [MCA_V1, random.next() < 0.5 ? MCA_V2 : MCA_V1], primary, n);
      if (random.next() < 0.5) subscribe(OTHER_PARTNER.id);
    }
  }
  return { customers, relationships, subscriptions, acceptances, current, statusCounts, notAccepted, customerIds };
}

/** A value as the driver takes it: booleans as 0/1; on SQLite, instants as TypeORM stores them there. */
function stored(value: Value, sqlite: boolean): Value {
  if (typeof value === 'boolean') return Number(value);
  if (sqlite && value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  return value;
}

/** Plain multi-row INSERTs of generated rows (column names as stored), a few thousand values at a time. */
async function insertRows(em: EntityManager, table: string, rows: Rows, sqlite: boolean): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const size = Math.max(1, Math.floor(8000 / columns.length));
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    await em.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
      part.flatMap((row) => columns.map((c) => stored(row[c], sqlite))),
    );
  }
}
