import { replacesCurrent } from '../acceptances/current-rule';
import { checkNotBeforeEffective } from '../acceptances/date-rules';
import { countCurrentAcceptances, countRelationships } from '../customers/customer-counts';
import { searchTextOf, sortNameOf } from '../customers/customer.entity';
import { BillingType } from '../orders/offer.entity';
import type { Database, Row, Sql } from '../shared/db';
import { dateValue, instantParam, instantValue, placeholders } from '../shared/db';
import { guard, ImportError, type ImportFile } from './import-file';

export interface SectionCount {
  inserted: number;
  updated: number;
  unchanged: number;
}
export type ImportSummary = Record<keyof ImportFile | 'relationships', SectionCount>;

const CHUNK = 400;

const chunks = <T>(items: readonly T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

type Value = string | number | boolean | Date | null;

interface TableSpec {
  table: string;
  key: string[];
  /** Columns that an existing row may not change; the message says why. */
  immutable?: Record<string, string>;
}

/**
 * Loads a parsed import file in one transaction: upserts by id, refuses the
 * whole file at the first row that does not fit what is stored, and leaves
 * everything as it was when the same file is imported again.
 */
export async function importData(db: Database, file: Required<ImportFile>): Promise<ImportSummary> {
  return db.transaction(async (tx) => {
    const known = await knownReferences(tx, file);

    const agreementsTable: TableSpec = {
      table: 'agreement_templates',
      key: ['id'],
      immutable: {
        type: 'the agreement type of a published template cannot change',
        // Which record each status rests on depends on the ranks.
        version_rank: 'the rank of a published template cannot change',
      },
    };
    const existingTemplates = await existing(tx, agreementsTable, file.agreements.map((a) => [a.templateId]));
    const templates = new Map([...known.templates]);
    file.agreements.forEach((a, i) => {
      const clash = [...templates.values()].find(
        (t) => t.id !== a.templateId && t.type === a.type && t.version_rank === a.versionRank,
      );
      if (clash) throw new ImportError(`agreements[${i}].versionRank: ${a.type} version ${a.versionRank} is already template ${clash.id}.`);
      templates.set(a.templateId, { id: a.templateId, type: a.type, version_rank: a.versionRank, effective_date: a.effectiveDate });
    });
    const partnerIds = new Set([...known.partners, ...file.partners.map((p) => p.id)]);
    const offers = new Map([...known.offers, ...file.offers.map((o) => [o.id, o.billingType] as const)]);
    const relationships = new Set([...known.relationships, ...file.customers.flatMap((c) => c.partnerIds.map((p) => `${p}|${c.id}`))]);

    file.customers.forEach((c, i) =>
      c.partnerIds.forEach((p, j) => {
        if (!partnerIds.has(p)) throw new ImportError(`customers[${i}].partnerIds[${j}]: partner ${p} is not in the file or the database.`);
      }),
    );
    const domains = new Map(known.domains);
    file.customers.forEach((c, i) => {
      const owner = domains.get(c.domain);
      if (owner && owner !== c.id) throw new ImportError(`customers[${i}].domain: ${c.domain} belongs to customer ${owner}.`);
      domains.set(c.domain, c.id);
    });
    file.subscriptions.forEach((s, i) => {
      const path = `subscriptions[${i}]`;
      if (!relationships.has(`${s.partnerId}|${s.customerId}`)) {
        throw new ImportError(`${path}: customer ${s.customerId} has no relationship with partner ${s.partnerId}.`);
      }
      const billing = offers.get(s.offerId);
      if (!billing) throw new ImportError(`${path}.offerId: offer ${s.offerId} is not in the file or the database.`);
      if (billing === BillingType.LICENSE && s.quantity === null) throw new ImportError(`${path}.quantity is required for a licence-based offer.`);
      if (billing === BillingType.USAGE && s.quantity !== null) throw new ImportError(`${path}.quantity must be absent for a usage-based offer.`);
    });
    file.acceptances.forEach((a, i) => {
      const path = `acceptances[${i}]`;
      if (!relationships.has(`${a.partnerId}|${a.customerId}`)) {
        throw new ImportError(`${path}: customer ${a.customerId} has no relationship with partner ${a.partnerId}.`);
      }
      const template = templates.get(a.templateId);
      if (!template) throw new ImportError(`${path}.templateId: template ${a.templateId} is not in the file or the database.`);
      guard(() => checkNotBeforeEffective(a.dateAgreed, template.effective_date, `${path}.dateAgreed`));
    });

    const now = new Date();
    const summary = {} as ImportSummary;
    summary.partners = await upsert(tx, { table: 'partners', key: ['id'] }, 'partners', file.partners.map((p) => ({ id: p.id, name: p.name, type: p.type, cloud: p.cloud })));
    summary.agreements = await upsert(
      tx,
      agreementsTable,
      'agreements',
      file.agreements.map((a) => ({
        id: a.templateId,
        type: a.type,
        agreement_link: a.agreementLink,
        version_rank: a.versionRank,
        effective_date: a.effectiveDate,
        retired: a.retired,
      })),
      existingTemplates,
    );
    summary.offers = await upsert(
      tx,
      { table: 'offers', key: ['id'], immutable: { billing_type: 'the billing type of an offer cannot change' } },
      'offers',
      file.offers.map((o) => ({ id: o.id, name: o.name, billing_type: o.billingType })),
    );
    const customersTable: TableSpec = { table: 'customers', key: ['id'] };
    const storedCustomers = await existing(tx, customersTable, file.customers.map((c) => [c.id]));
    summary.customers = await upsert(
      tx,
      customersTable,
      'customers',
      file.customers.map((c) => ({
        id: c.id,
        company_name: c.companyName,
        domain: c.domain,
        contact_first_name: c.primaryContact.firstName,
        contact_last_name: c.primaryContact.lastName,
        contact_email: c.primaryContact.email,
        contact_phone_number: c.primaryContact.phoneNumber,
        search_text: searchTextOf(c.companyName, c.domain),
        created_at: c.createdAt ?? (storedCustomers.get(c.id) ? undefined : now),
      })),
      storedCustomers,
    );
    for (const c of file.customers) {
      const before = storedCustomers.get(c.id);
      if (before && before.company_name !== c.companyName) {
        await tx.query('UPDATE partner_customers SET sort_name = ? WHERE customer_id = ?', [sortNameOf(c.companyName), c.id]);
      }
    }
    const relationshipsTable: TableSpec = { table: 'partner_customers', key: ['partner_id', 'customer_id'] };
    const relationshipRows = file.customers.flatMap((c) => c.partnerIds.map((p) => ({ partner_id: p, customer_id: c.id, sort_name: sortNameOf(c.companyName) })));
    const storedRelationships = await existing(tx, relationshipsTable, relationshipRows.map((r) => [r.partner_id, r.customer_id]));
    summary.relationships = await upsert(tx, relationshipsTable, 'customers', relationshipRows, storedRelationships);
    const gained = new Map<string, string[]>();
    for (const r of relationshipRows) {
      if (!storedRelationships.has(keyOf([r.partner_id, r.customer_id]))) gained.set(r.partner_id, [...(gained.get(r.partner_id) ?? []), r.customer_id]);
    }
    for (const [partnerId, customerIds] of gained) await countRelationships(tx, partnerId, customerIds);
    const subscriptionsTable: TableSpec = {
      table: 'subscriptions',
      key: ['id'],
      immutable: {
        customer_id: 'a subscription cannot move to another customer',
        partner_id: 'a subscription cannot move to another partner',
        offer_id: 'a subscription cannot change its offer',
      },
    };
    const storedSubscriptions = await existing(tx, subscriptionsTable, file.subscriptions.map((s) => [s.id]));
    summary.subscriptions = await upsert(
      tx,
      subscriptionsTable,
      'subscriptions',
      file.subscriptions.map((s) => ({
        id: s.id,
        customer_id: s.customerId,
        partner_id: s.partnerId,
        offer_id: s.offerId,
        quantity: s.quantity,
        auto_renew: s.autoRenew,
        created_at: s.createdAt ?? (storedSubscriptions.get(s.id) ? undefined : now),
      })),
      storedSubscriptions,
    );
    summary.acceptances = await importAcceptances(tx, file, templates);
    return summary;
  });
}

interface KnownTemplate {
  id: string;
  type: string;
  version_rank: number;
  effective_date: string;
}

/** What the database already holds that the file refers to. */
async function knownReferences(tx: Sql, file: Required<ImportFile>) {
  const templates = new Map<string, KnownTemplate>();
  for (const row of await tx.query('SELECT id, type, version_rank, effective_date FROM agreement_templates')) {
    templates.set(row.id as string, {
      id: row.id as string,
      type: row.type as string,
      version_rank: Number(row.version_rank),
      effective_date: dateValue(row.effective_date),
    });
  }
  const partners = new Set<string>();
  const wantedPartners = [...new Set(file.customers.flatMap((c) => c.partnerIds))];
  for (const ids of chunks(wantedPartners)) {
    for (const row of await tx.query(`SELECT id FROM partners WHERE id IN (${placeholders(ids.length)})`, ids)) partners.add(row.id as string);
  }
  const offers = new Map<string, string>();
  for (const ids of chunks([...new Set(file.subscriptions.map((s) => s.offerId))])) {
    for (const row of await tx.query(`SELECT id, billing_type FROM offers WHERE id IN (${placeholders(ids.length)})`, ids)) {
      offers.set(row.id as string, row.billing_type as string);
    }
  }
  const relationships = new Set<string>();
  const related = [...new Set([...file.subscriptions, ...file.acceptances].map((r) => r.customerId))];
  for (const ids of chunks(related)) {
    for (const row of await tx.query(`SELECT partner_id, customer_id FROM partner_customers WHERE customer_id IN (${placeholders(ids.length)})`, ids)) {
      relationships.add(`${row.partner_id}|${row.customer_id}`);
    }
  }
  const domains = new Map<string, string>();
  for (const names of chunks(file.customers.map((c) => c.domain))) {
    for (const row of await tx.query(`SELECT id, domain FROM customers WHERE domain IN (${placeholders(names.length)})`, names)) {
      domains.set(row.domain as string, row.id as string);
    }
  }
  return { templates, partners, offers, relationships, domains };
}

const camelCase = (column: string) => column.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/** Import field of each acceptance column, for messages. */
const ACCEPTANCE_FIELDS: Record<string, string> = {
  agreement_type: 'templateId',
  accepted_by_first_name: 'acceptedBy.firstName',
  accepted_by_last_name: 'acceptedBy.lastName',
  accepted_by_email: 'acceptedBy.email',
  accepted_by_phone_number: 'acceptedBy.phoneNumber',
  recorded_by_user_id: 'recordedBy.userId',
  recorded_by_role: 'recordedBy.role',
};

const keyOf = (values: readonly unknown[]) => values.map(String).join('|');

/** Stored rows of `spec.table` with the given keys, by key. */
async function existing(tx: Sql, spec: TableSpec, keys: unknown[][]): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  const tuple = spec.key.length === 1 ? '?' : `(${placeholders(spec.key.length)})`;
  const column = spec.key.length === 1 ? spec.key[0] : `(${spec.key.join(', ')})`;
  for (const part of chunks(keys)) {
    const rows = await tx.query(
      `SELECT * FROM ${spec.table} WHERE ${column} IN (${part.map(() => tuple).join(', ')})`,
      part.flat(),
    );
    for (const row of rows) found.set(keyOf(spec.key.map((k) => row[k])), row);
  }
  return found;
}

/** Whether a stored value equals the value to import (databases return dates, booleans and numbers their own way). */
function same(stored: unknown, value: Value): boolean {
  if (value === null) return stored === null;
  if (value instanceof Date) return stored !== null && instantValue(stored).getTime() === value.getTime();
  if (typeof value === 'boolean') return Boolean(Number(stored)) === value;
  if (typeof value === 'number') return Number(stored) === value;
  return (stored instanceof Date ? dateValue(stored) : String(stored)) === value;
}

const bind = (dialect: Sql['dialect'], value: Value) =>
  value instanceof Date ? instantParam(dialect, value) : typeof value === 'boolean' ? (value ? 1 : 0) : value;

/** Inserts new rows and updates changed ones. A column whose value is undefined keeps what is stored. */
async function upsert(
  tx: Sql,
  spec: TableSpec,
  section: string,
  rows: Record<string, Value | undefined>[],
  stored?: Map<string, Row>,
): Promise<SectionCount> {
  const count: SectionCount = { inserted: 0, updated: 0, unchanged: 0 };
  if (rows.length === 0) return count;
  const before = stored ?? (await existing(tx, spec, rows.map((r) => spec.key.map((k) => r[k]))));
  const inserts: Record<string, Value>[] = [];
  for (const [index, row] of rows.entries()) {
    const old = before.get(keyOf(spec.key.map((k) => row[k])));
    if (!old) {
      inserts.push(row as Record<string, Value>);
      continue;
    }
    const changed = Object.entries(row).filter(([column, value]) => value !== undefined && !same(old[column], value)) as [string, Value][];
    for (const [column] of changed) {
      const why = spec.immutable?.[column];
      if (why) throw new ImportError(`${section}[${index}].${camelCase(column)}: ${why}.`);
    }
    if (changed.length === 0) {
      count.unchanged += 1;
      continue;
    }
    await tx.query(
      `UPDATE ${spec.table} SET ${changed.map(([c]) => `${c} = ?`).join(', ')} WHERE ${spec.key.map((k) => `${k} = ?`).join(' AND ')}`,
      [...changed.map(([, v]) => bind(tx.dialect, v)), ...spec.key.map((k) => row[k])],
    );
    count.updated += 1;
  }
  await insertRows(tx, spec.table, inserts);
  count.inserted = inserts.length;
  return count;
}

export async function insertRows(tx: Sql, table: string, rows: Record<string, Value>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  for (const part of chunks(rows, Math.max(1, Math.floor(8000 / columns.length)))) {
    await tx.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part.map(() => `(${placeholders(columns.length)})`).join(', ')}`,
      part.flatMap((row) => columns.map((c) => bind(tx.dialect, row[c]))),
    );
  }
}

interface StoredAcceptance {
  id: string;
  key: string;
  partner_id: string;
  customer_id: string;
  agreement_type: string;
  template_id: string;
  date_agreed: string;
  recorded_at: Date;
  sequence: number;
}

/**
 * Acceptances are append-only: a new id is added, a known id must be imported
 * exactly as stored. Afterwards every touched customer's status rests on the
 * record the current-record rule picks among all of its records.
 */
async function importAcceptances(tx: Sql, file: Required<ImportFile>, templates: Map<string, KnownTemplate>): Promise<SectionCount> {
  const count: SectionCount = { inserted: 0, updated: 0, unchanged: 0 };
  if (file.acceptances.length === 0) return count;
  const storedRows = await existing(tx, { table: 'acceptances', key: ['id'] }, file.acceptances.map((a) => [a.id]));
  const stored = new Map<string, StoredAcceptance>();
  const customerIds = [...new Set(file.acceptances.map((a) => a.customerId))];
  for (const ids of chunks(customerIds)) {
    const rows = await tx.query(
      'SELECT id, partner_id, customer_id, agreement_type, template_id, date_agreed, recorded_at, sequence ' +
        `FROM acceptances WHERE customer_id IN (${placeholders(ids.length)})`,
      ids,
    );
    for (const row of rows) {
      stored.set(row.id as string, {
        id: row.id as string,
        key: keyOf([row.partner_id, row.customer_id, row.agreement_type]),
        partner_id: row.partner_id as string,
        customer_id: row.customer_id as string,
        agreement_type: row.agreement_type as string,
        template_id: row.template_id as string,
        date_agreed: dateValue(row.date_agreed),
        recorded_at: instantValue(row.recorded_at),
        sequence: Number(row.sequence),
      });
    }
  }
  const lastSequence = new Map<string, number>();
  for (const a of stored.values()) lastSequence.set(a.key, Math.max(lastSequence.get(a.key) ?? 0, a.sequence));

  const fresh: Record<string, Value>[] = [];
  const touched = new Set<string>();
  const ordered = [...file.acceptances.entries()].sort(([, a], [, b]) => a.recordedAt.getTime() - b.recordedAt.getTime());
  for (const [index, a] of ordered) {
    const type = templates.get(a.templateId)!.type;
    const columns: Record<string, Value> = {
      id: a.id,
      customer_id: a.customerId,
      partner_id: a.partnerId,
      template_id: a.templateId,
      agreement_type: type,
      method: a.method,
      channel: a.channel,
      scenario: a.scenario,
      accepted_by_first_name: a.acceptedBy.firstName,
      accepted_by_last_name: a.acceptedBy.lastName,
      accepted_by_email: a.acceptedBy.email,
      accepted_by_phone_number: a.acceptedBy.phoneNumber,
      date_agreed: a.dateAgreed,
      recorded_by_user_id: a.recordedBy.userId,
      recorded_by_role: a.recordedBy.role,
      recorded_at: a.recordedAt,
    };
    const old = storedRows.get(a.id);
    if (old) {
      const changed = Object.keys(columns).find((c) => !same(old[c], columns[c]));
      if (changed) {
        throw new ImportError(
          `acceptances[${index}].${ACCEPTANCE_FIELDS[changed] ?? camelCase(changed)}: acceptance ${a.id} is already recorded ` +
            'with another value; records are never changed.',
        );
      }
      count.unchanged += 1;
      continue;
    }
    const key = keyOf([a.partnerId, a.customerId, type]);
    const sequence = (lastSequence.get(key) ?? 0) + 1;
    lastSequence.set(key, sequence);
    fresh.push({ ...columns, sequence });
    stored.set(a.id, {
      id: a.id,
      key,
      partner_id: a.partnerId,
      customer_id: a.customerId,
      agreement_type: type,
      template_id: a.templateId,
      date_agreed: a.dateAgreed,
      recorded_at: a.recordedAt,
      sequence,
    });
    touched.add(key);
  }
  await insertRows(tx, 'acceptances', fresh);
  count.inserted = fresh.length;

  const candidate = (a: StoredAcceptance) => ({
    versionRank: templates.get(a.template_id)!.version_rank,
    dateAgreed: a.date_agreed,
    recordedAt: a.recorded_at,
    sequence: a.sequence,
  });
  const current = new Map<string, StoredAcceptance>();
  for (const a of stored.values()) {
    if (!touched.has(a.key)) continue;
    const best = current.get(a.key);
    if (!best || replacesCurrent(candidate(a), candidate(best))) current.set(a.key, a);
  }
  const currentTable: TableSpec = { table: 'current_acceptances', key: ['partner_id', 'customer_id', 'agreement_type'] };
  const before = await existing(tx, currentTable, [...current.values()].map((a) => [a.partner_id, a.customer_id, a.agreement_type]));
  await upsert(
    tx,
    currentTable,
    'acceptances',
    [...current.values()].map((a) => ({
      partner_id: a.partner_id,
      customer_id: a.customer_id,
      agreement_type: a.agreement_type,
      acceptance_id: a.id,
      template_id: a.template_id,
      sequence: a.sequence,
    })),
    before,
  );
  await countCurrentAcceptances(
    tx,
    [...current.values()].map((a) => ({
      partnerId: a.partner_id,
      customerId: a.customer_id,
      agreementType: a.agreement_type,
      from: (before.get(keyOf([a.partner_id, a.customer_id, a.agreement_type]))?.template_id as string | undefined) ?? null,
      to: a.template_id,
    })),
  );
  return count;
}
