import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { dataSourceOptions } from '../../ormconfig';
import { AgreementType } from '../../src/agreements/agreement.entity';
import { verifyChains } from '../../src/audit/verify-chains';
import { startApp, type TestApp } from '../helpers/app';
import { manualClock } from '../helpers/clock';
import { type DatabaseKind, emptyMysqlDatabase, migrated, type ScratchDatabase, testDatabases } from '../helpers/databases';

/**
 * A database made by the version before the entity model (commit 02236af), with
 * the demo data and a few confirmations, attestations and an order made through
 * its API, migrated to this version, keeps every row's meaning.
 *
 * The old database is built here without that version's code: its schema by
 * the migrations it had (still in migrations/, unchanged: the digests below
 * fail the test if one is edited), its rows from a snapshot that version wrote
 * (test/fixtures/upgrade-02236af/, one per database, see its README).
 */
const OLD_VERSION = 1764100000000;
const OLD_MIGRATION_DIGESTS: Record<string, string> = {
  '1763700000000-InitialSchema.ts': 'f9befcd934b25bdfd119918e1b5004bb9fbcf5bf7ae383e82fd905a18c4bf80b',
  '1763800000000-AuditTrail.ts': '3c4625dc36eaea930a2da5aa08dc03d20dbdb37a3abdc70fc58985ced0a5e1a8',
  '1763800100000-IdempotencyKeys.ts': '10c2d3c43fa81d453c2904fad7b834c30ae034448ea90a5438d380182c0504c1',
  '1763900000000-CustomerCounts.ts': '6b658ae8bf492e56ce797d89cc14aabd94e10797f4d332d5c7c2db2fc072b3fa',
  '1764000000000-IdempotencyKeysPerUser.ts': '401924d0ee8bc34d78253f0f5916bcd63b4ab15e19b11d414b4a290ce9722aea',
  '1764100000000-ModelSchema.ts': 'f9f0e4151aa43abe5e98e32f5e9203f1673383ead9e1d10093353cc0f467f6f3',
  'columns.ts': '4b3dffe95562244f4d9510ed118a6a28ceb35a185b2ac5d7a9ce9afee467edc0',
};
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');
const versionOf = (migration: (typeof migrations)[number]) => Number(/(\d{13})$/.exec(migration.name)![1]);
const OLD_MIGRATIONS = migrations.filter((migration) => versionOf(migration) <= OLD_VERSION);

type Row = Record<string, unknown>;
type Snapshot = Record<string, Row[]>;

/** Tables the migrations replace rather than keep: their meaning is checked through what replaced them. */
const REPLACED = new Set(['relationship_counts', 'current_acceptance_counts', 'audit_pending']);
const CURRENT_COLUMNS = ['partner_id', 'customer_id', 'agreement_type', 'acceptance_id', 'template_id', 'date_agreed', 'method', 'last_sequence', 'accepted_before_rule'];

const fixture = (kind: DatabaseKind): Snapshot =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'upgrade-02236af', `${kind}.json`), 'utf8')) as Snapshot;

/** One spelling of a value on both databases: instants as `YYYY-MM-DD HH:MM:SS.mmm` (UTC), numbers as numbers. */
const normal = (value: unknown): unknown => {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
};
const pick = (row: Row, columns: string[]) => Object.fromEntries(columns.map((column) => [column, normal(row[column])]));
const sorted = (rows: Row[]) => rows.map((row) => JSON.stringify(row)).sort();

/** The old schema and rows, then this version's remaining migrations. */
async function upgradedDatabase(kind: DatabaseKind, rows: Snapshot): Promise<ScratchDatabase> {
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'mca-upgrade-')) : null;
  const empty = kind === 'mysql' ? await emptyMysqlDatabase('upgrade') : null;
  const url = dir ? `sqlite:${join(dir, 'mca.sqlite')}` : empty!.url;
  const old = new DataSource({ ...dataSourceOptions(url), migrations: OLD_MIGRATIONS });
  await old.initialize();
  await old.runMigrations();
  await old.transaction(async (em) => {
    for (const [table, tableRows] of Object.entries(rows)) {
      // The migrations seed some rows (the published templates); the snapshot holds them as that version kept them.
      await em.query(`DELETE FROM ${table}`);
      for (let i = 0; i < tableRows.length; i += 100) {
        const chunk = tableRows.slice(i, i + 100);
        const columns = Object.keys(chunk[0]);
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        await em.query(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`,
          chunk.flatMap((row) => columns.map((column) => row[column])),
        );
      }
    }
  });
  await old.destroy();
  return migrated(url, async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await empty?.drop();
  });
}

/** The acceptance a status rests on (the rule written out): highest rank; then latest dateAgreed; then latest recorded. */
function expectedCurrent(old: Snapshot): Map<string, Row> {
  const rank = new Map(old.agreement_templates.map((t) => [t.id as string, Number(t.version_rank)]));
  const before = (a: Row, b: Row) =>
    rank.get(a.template_id as string)! - rank.get(b.template_id as string)! ||
    (a.date_agreed as string).localeCompare(b.date_agreed as string) ||
    (a.recorded_at as string).localeCompare(b.recorded_at as string) ||
    Number(a.sequence) - Number(b.sequence);
  const current = new Map<string, Row>();
  const lastSequence = new Map<string, number>();
  for (const a of old.acceptances) {
    const key = `${a.partner_id as string}|${a.customer_id as string}|${a.agreement_type as string}`;
    const held = current.get(key);
    if (!held || before(a, held) > 0) current.set(key, a);
    lastSequence.set(key, Math.max(lastSequence.get(key) ?? 0, Number(a.sequence)));
  }
  return new Map(
    [...current].map(([key, a]) => [
      key,
      {
        partner_id: a.partner_id,
        customer_id: a.customer_id,
        agreement_type: a.agreement_type,
        acceptance_id: a.id,
        template_id: a.template_id,
        date_agreed: a.date_agreed,
        method: a.method,
        last_sequence: lastSequence.get(key),
        accepted_before_rule: 0,
      },
    ]),
  );
}

describe('the migrations of the version the upgrade starts from', () => {
  it('are unchanged, so that running them builds that version schema', () => {
    const digests = Object.fromEntries(
      Object.keys(OLD_MIGRATION_DIGESTS).map((file) => [file, createHash('sha256').update(readFileSync(join(MIGRATIONS_DIR, file))).digest('hex')]),
    );
    expect(digests).toEqual(OLD_MIGRATION_DIGESTS);
    expect(OLD_MIGRATIONS.map(versionOf)).toEqual([1763700000000, 1763800000000, 1763800100000, 1763900000000, 1764000000000, 1764100000000]);
  });
});

describe.each(testDatabases())('upgrading a database of the version before the entity model (%s)', (kind) => {
  const old = fixture(kind);
  let database: ScratchDatabase;
  let app: TestApp;
  const read = async (sql: string): Promise<Row[]> => (await database.dataSource.query(sql)) as Row[];
  const tables = async (): Promise<string[]> =>
    kind === 'sqlite'
      ? (await read("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name as string)
      : (await read('SHOW TABLES')).map((r) => Object.values(r)[0] as string);

  beforeAll(async () => {
    database = await upgradedDatabase(kind, old);
    // The snapshot's instant, a minute on: its idempotency keys are still within their time.
    app = await startApp(kind, { database, clock: manualClock('2025-11-20T12:01:00.000Z') });
  });
  afterAll(async () => app?.close());

  it('starts from a snapshot with rows in every table that carries meaning', () => {
    for (const table of ['partners', 'customers', 'partner_customers', 'subscriptions', 'orders', 'acceptances', 'current_acceptances', 'audit_events', 'idempotency_keys']) {
      expect([table, old[table].length > 0]).toEqual([table, true]);
    }
    // A backfill of the older version recorded after the newer one is among them: the rank rule matters.
    expect(old.acceptances.filter((a) => a.template_id === '117a77b0-9360-443b-8795-c6dedc750cf9' && a.recorded_at === '2025-11-20 12:00:00.000')).toHaveLength(2);
  });

  it('keeps every row of every table it does not replace, column by column', async () => {
    const present = new Set(await tables());
    for (const [table, rows] of Object.entries(old)) {
      if (REPLACED.has(table) || table === 'current_acceptances') continue;
      expect([table, present.has(table)]).toEqual([table, true]);
      const columns = Object.keys(rows[0] ?? {});
      const after = (await read(`SELECT * FROM ${table}`)) as Row[];
      expect([table, after.length]).toEqual([table, rows.length]);
      expect([table, sorted(after.map((row) => pick(row, columns)))]).toEqual([table, sorted(rows.map((row) => pick(row, columns)))]);
    }
  });

  it('points each current acceptance at the record the rank rule picks, with its date, method and last sequence', async () => {
    const expected = expectedCurrent(old);
    const actual = new Map(
      (await read(`SELECT ${CURRENT_COLUMNS.join(', ')} FROM current_acceptances`)).map((row) => [
        `${row.partner_id as string}|${row.customer_id as string}|${row.agreement_type as string}`,
        pick(row, CURRENT_COLUMNS),
      ]),
    );
    const differing = [...new Set([...expected.keys(), ...actual.keys()])].filter(
      (key) => JSON.stringify(expected.get(key)) !== JSON.stringify(actual.get(key)),
    );
    expect(differing.map((key) => ({ key, expected: expected.get(key), actual: actual.get(key) }))).toEqual([]);
    expect(actual.size).toBe(old.current_acceptances.length);
  });

  it('counts every related customer once per partner and type, under the template its status rests on', async () => {
    const current = expectedCurrent(old);
    const expected = new Map<string, number>();
    for (const r of old.partner_customers) {
      for (const type of Object.values(AgreementType)) {
        const held = current.get(`${r.partner_id as string}|${r.customer_id as string}|${type}`);
        const key = `${r.partner_id as string}|${type}|${(held?.template_id as string | undefined) ?? ''}|0`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
    }
    const actual = new Map(
      (
        await read(
          'SELECT partner_id, agreement_type, template_id, accepted_before_rule, SUM(customers) AS n FROM status_counts ' +
            'GROUP BY partner_id, agreement_type, template_id, accepted_before_rule',
        )
      )
        .filter((row) => Number(row.n) !== 0)
        .map((row) => [`${row.partner_id as string}|${row.agreement_type as string}|${row.template_id as string}|${Number(row.accepted_before_rule)}`, Number(row.n)]),
    );
    expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));
    // The relationships the old counts held, per partner, are still the total.
    const oldTotals = Object.fromEntries(old.relationship_counts.reduce((m, r) => m.set(r.partner_id as string, (m.get(r.partner_id as string) ?? 0) + Number(r.customers)), new Map<string, number>()));
    const newTotals: Record<string, number> = {};
    for (const [key, n] of actual) if (key.split('|')[1] === AgreementType.MICROSOFT_CUSTOMER_AGREEMENT) newTotals[key.split('|')[0]] = (newTotals[key.split('|')[0]] ?? 0) + n;
    expect(newTotals).toEqual(oldTotals);
  });

  it('serves each partner the status, acceptance and counts the old rows mean, over HTTP', async () => {
    const current = expectedCurrent(old);
    const templates = old.agreement_templates.filter((t) => t.type === AgreementType.MICROSOFT_CUSTOMER_AGREEMENT && Number(t.retired) === 0);
    const latest = templates.reduce((a, b) => (Number(a.version_rank) > Number(b.version_rank) ? a : b));
    for (const partner of old.partners) {
      const related = old.partner_customers.filter((r) => r.partner_id === partner.id).map((r) => r.customer_id as string);
      const expected = Object.fromEntries(
        related.map((customerId) => {
          const held = current.get(`${partner.id as string}|${customerId}|${AgreementType.MICROSOFT_CUSTOMER_AGREEMENT}`);
          const status =
            partner.cloud !== 'PUBLIC' ? 'NOT_APPLICABLE' : !held ? 'NOT_ACCEPTED' : held.template_id === latest.id ? 'ACCEPTED' : 'OUTDATED';
          return [customerId, { status, acceptance: held ? (held.acceptance_id as string) : null }];
        }),
      );
      const token = await app.token(partner.id as string, ['ADMIN_AGENT']);
      const response = await app.gql(
        token,
        '{ customers(first: 500) { totalCount nodes { id agreementStatus { status acceptance { id } } } } }',
      );
      expect(response.body.errors).toBeUndefined();
      const page = response.body.data!.customers as { totalCount: number; nodes: { id: string; agreementStatus: { status: string; acceptance: { id: string } | null } }[] };
      expect(page.totalCount).toBe(related.length);
      const served = Object.fromEntries(page.nodes.map((c) => [c.id, { status: c.agreementStatus.status, acceptance: c.agreementStatus.acceptance?.id ?? null }]));
      // Outside the public cloud the status is NOT_APPLICABLE whatever was recorded, so only the code is compared there.
      if (partner.cloud !== 'PUBLIC') {
        expect(Object.values(served).every((s) => s.status === 'NOT_APPLICABLE')).toBe(true);
        expect(Object.keys(served).sort()).toEqual(Object.keys(expected).sort());
      } else {
        expect(served).toEqual(expected);
      }
    }
  });

  it("keeps the audit chains whole: this version's verification finds every old event in place", async () => {
    const services = app.server.services;
    const report = await services.db.read((em) => verifyChains(em, services.auditRecords));
    expect(report).toEqual({ chains: old.audit_chains.length, events: old.audit_events.length, breaks: [] });
  });

  it('replays an old idempotency key: the same request gets the stored answer, and nothing is written', async () => {
    const key = old.idempotency_keys.find((k) => k.idempotency_key === 'upgrade-key-1')!;
    const customerId = 'c0ffee00-0000-4000-8000-000000000002';
    const before = await read('SELECT COUNT(*) AS n FROM acceptances');
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await app.token(key.partner_id as string, ['ADMIN_AGENT'], key.user_id as string)}`, 'Idempotency-Key': 'upgrade-key-1' },
      body: JSON.stringify({
        query: 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }',
        variables: { input: { customerId, dateAgreed: '2025-10-01' } },
      }),
    });
    expect(response.status).toBe(Number(key.response_status));
    expect(await response.text()).toBe(key.response_body);
    expect(await read('SELECT COUNT(*) AS n FROM acceptances')).toEqual(before);
  });
});
