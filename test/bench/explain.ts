import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { EntityManager, Logger as TypeOrmLogger } from 'typeorm';
import { createDataSource } from '../../ormconfig';
import type { Caller } from '../../src/auth/caller';
import type { Partner } from '../../src/partners/partner.entity';
import { createServices } from '../../src/services';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { Database } from '../../src/shared/unit-of-work';
import { AgreementStatusCode } from '../../src/status/status';

export interface Statement {
  label: string;
  sql: string;
  params: unknown[];
}

/**
 * The statements the product's CustomerService sends for a page of 100 and
 * its totalCount, unfiltered and filtered by NOT_ACCEPTED: the service itself
 * runs them against the bench database (MySQL/MariaDB, or SQLite for
 * `sqlite:PATH`), and a logger records them as sent.
 */
export async function productListStatements(databaseUrl: string, partner: Partner): Promise<Statement[]> {
  const recorded: { sql: string; params: unknown[] }[] = [];
  const recorder: TypeOrmLogger = {
    logQuery: (sql, params) => void recorded.push({ sql, params: Array.isArray(params) ? params : [] }),
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  const dataSource = createDataSource(databaseUrl);
  dataSource.setOptions({ logger: recorder });
  await dataSource.initialize();
  try {
    const services = createServices(new Database(dataSource), systemClock, { idempotency: { ttlMs: 1, waitMs: 1 }, agreementCacheMs: 60_000 }, createLogger('silent'));
    const caller: Caller = { userId: 'bench-user', roles: [], partner };
    const statements: Statement[] = [];
    /** The last statement `work` sends: the page, or (when totalCount is read) its count. */
    const lastOf = async (label: string, work: (em: EntityManager) => Promise<unknown>) => {
      recorded.length = 0;
      await services.db.read(work);
      statements.push({ label, ...recorded.at(-1)! });
    };
    const notAccepted = { first: 100, agreementStatus: AgreementStatusCode.NOT_ACCEPTED };
    await services.db.read((em) => services.catalogue.templates(em)); // known from here on, as in a running server
    await lastOf('a: page', (em) => services.customers.list(em, caller, { first: 100 }));
    await lastOf('a: totalCount', async (em) => (await services.customers.list(em, caller, { first: 100 })).totalCount);
    await lastOf('c: page (NOT_ACCEPTED)', (em) => services.customers.list(em, caller, notAccepted));
    await lastOf('c: totalCount (NOT_ACCEPTED)', async (em) => (await services.customers.list(em, caller, notAccepted)).totalCount);
    return statements;
  } finally {
    await dataSource.destroy();
  }
}

const COLUMNS = ['id', 'select_type', 'table', 'type', 'key', 'key_len', 'ref', 'rows', 'r_rows', 'filtered', 'r_filtered', 'Extra'];

/**
 * MariaDB's ANALYZE of a statement: EXPLAIN's plan columns plus the rows each
 * step actually read (r_rows), as a text table.
 */
export async function analyze(connection: Connection, statement: Statement): Promise<string> {
  const [rows] = await connection.query<RowDataPacket[]>(`ANALYZE ${statement.sql}`, statement.params);
  const cells = rows.map((row) => COLUMNS.map((c) => (row[c] === null || row[c] === undefined ? 'NULL' : String(row[c]))));
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(COLUMNS), ...cells.map(line)].join('\n');
}

/**
 * SQLite's EXPLAIN QUERY PLAN of a statement, as the indented tree the
 * sqlite3 shell prints: which index each step searches, or which table it scans.
 */
export async function sqlitePlan(databaseUrl: string, statement: Statement): Promise<string> {
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  try {
    const steps = (await dataSource.query(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params)) as { id: number; parent: number; detail: string }[];
    const depth = new Map<number, number>([[0, 0]]);
    return [
      'QUERY PLAN',
      ...steps.map((step) => {
        const level = (depth.get(step.parent) ?? 0) + 1;
        depth.set(step.id, level);
        return `${'   '.repeat(level - 1)}|--${step.detail}`;
      }),
    ].join('\n');
  } finally {
    await dataSource.destroy();
  }
}
