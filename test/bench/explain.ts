import type { AuditTrail } from '../../src/audit/audit-trail';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { AgreementStatusCode } from '../../src/acceptances/status';
import type { AcceptanceService } from '../../src/acceptances/acceptance.service';
import type { Caller } from '../../src/auth/caller';
import { CustomerService } from '../../src/customers/customer.service';
import type { Partner } from '../../src/partners/partner.entity';
import { systemClock } from '../../src/shared/clock';
import type { Database } from '../../src/shared/db';

export interface Statement {
  label: string;
  sql: string;
  params: unknown[];
}

/**
 * The statements the product's CustomerService sends for a page of 100 and
 * its totalCount, unfiltered and filtered by NOT_ACCEPTED: the service itself
 * builds them, against a Database that records instead of running them.
 */
export async function productListStatements(partner: Partner): Promise<Statement[]> {
  const recorded: { sql: string; params: unknown[] }[] = [];
  const recorder = {
    dialect: 'mysql',
    forUpdate: ' FOR UPDATE',
    async query(sql: string, params: readonly unknown[] = []) {
      recorded.push({ sql, params: [...params] });
      return sql.includes('COUNT(*)') ? [{ total: 0 }] : [];
    },
  } as unknown as Database;
  const service = new CustomerService(recorder, systemClock, null as unknown as AuditTrail, null as unknown as AcceptanceService);
  const caller: Caller = { userId: 'bench-user', roles: [], partner };
  const statements: Statement[] = [];
  const take = (label: string) => {
    const { sql, params } = recorded.shift()!;
    statements.push({ label, sql, params });
  };
  const page = await service.list(caller, { first: 100 });
  take('a: page');
  await page.totalCount;
  take('a: totalCount');
  const filtered = await service.list(caller, { first: 100, agreementStatus: AgreementStatusCode.NOT_ACCEPTED });
  take('c: page (NOT_ACCEPTED)');
  await filtered.totalCount;
  take('c: totalCount (NOT_ACCEPTED)');
  return statements;
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
