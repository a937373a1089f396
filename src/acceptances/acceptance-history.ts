import type { AgreementType } from '../agreements/agreement.entity';
import { type Caller, requireRole } from '../auth/caller';
import { Operation } from '../auth/roles';
import { type Database, instantParam, placeholders } from '../shared/db';
import { notFound } from '../shared/errors';
import { decodeCursor, encodeCursor } from '../shared/pagination';
import { requireId } from '../shared/validation';
import type { Acceptance } from './acceptance.entity';
import { ACCEPTANCE_COLUMNS, acceptanceFromRow } from './acceptance.rows';

export interface HistoryArgs {
  type: AgreementType | null;
  /** Page size, already checked. */
  first: number;
  after: string | null;
}

/** Newest first; ties within a millisecond by sequence, then id. */
export const historyCursor = (a: Acceptance) => encodeCursor([a.recordedAt.toISOString(), a.sequence, a.id]);

/**
 * Reading acceptance records: who accepted, when. Needs a role that may read
 * them (ADMIN_AGENT, SALES_AGENT), and shows only the caller's partner's records.
 */
export class AcceptanceHistory {
  constructor(private readonly db: Database) {}

  async byIds(caller: Caller, ids: readonly string[]): Promise<(Acceptance | null)[]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const rows = await this.db.query(
      `SELECT ${ACCEPTANCE_COLUMNS} FROM acceptances a WHERE a.partner_id = ? AND a.id IN (${placeholders(ids.length)})`,
      [caller.partner.id, ...ids],
    );
    const found = new Map(rows.map((row) => [row.id as string, acceptanceFromRow(row)]));
    return ids.map((id) => found.get(id) ?? null);
  }

  /** For each customer, up to `first + 1` records after the cursor, newest first: one statement for all. */
  async pages(caller: Caller, customerIds: readonly string[], args: HistoryArgs): Promise<Acceptance[][]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const where = this.conditions(caller, customerIds, args.type);
    if (args.after) {
      const [recordedAt, sequence, id] = decodeCursor(args.after, ['instant', 'integer', 'string']);
      const at = instantParam(this.db.dialect, new Date(recordedAt));
      where.sql.push('(a.recorded_at < ? OR (a.recorded_at = ? AND (a.sequence < ? OR (a.sequence = ? AND a.id < ?))))');
      where.params.push(at, at, sequence, sequence, id);
    }
    const rows = await this.db.query(
      `SELECT * FROM (SELECT ${ACCEPTANCE_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY a.customer_id ` +
        `ORDER BY a.recorded_at DESC, a.sequence DESC, a.id DESC) AS position FROM acceptances a WHERE ${where.sql.join(' AND ')}) h ` +
        'WHERE h.position <= ? ORDER BY h.customer_id, h.position',
      [...where.params, args.first + 1],
    );
    const byCustomer = new Map<string, Acceptance[]>(customerIds.map((id) => [id, []]));
    for (const row of rows) byCustomer.get(row.customer_id as string)?.push(acceptanceFromRow(row));
    return customerIds.map((id) => byCustomer.get(id)!);
  }

  /**
   * Every record of one customer, oldest first, of one agreement type or all
   * (null). A customer the caller's partner is not related to is NOT_FOUND,
   * exactly like an unknown one; `field` names the id in that error.
   */
  async ofCustomer(caller: Caller, customerId: string, type: AgreementType | null, field = 'customerId'): Promise<Acceptance[]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const id = requireId(customerId, field);
    // One statement: the relationship row always comes back, with a record or with NULLs.
    const rows = await this.db.query(
      `SELECT ${ACCEPTANCE_COLUMNS} FROM partner_customers pc LEFT JOIN acceptances a ` +
        `ON a.partner_id = pc.partner_id AND a.customer_id = pc.customer_id${type ? ' AND a.agreement_type = ?' : ''} ` +
        'WHERE pc.partner_id = ? AND pc.customer_id = ? ORDER BY a.recorded_at, a.sequence, a.id',
      [...(type ? [type] : []), caller.partner.id, id],
    );
    if (rows.length === 0) throw notFound('Customer', id, field);
    return rows.filter((row) => row.id !== null).map((row) => acceptanceFromRow(row));
  }

  /** Number of records per customer. */
  async counts(caller: Caller, customerIds: readonly string[], type: AgreementType | null): Promise<number[]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const where = this.conditions(caller, customerIds, type);
    const rows = await this.db.query<{ customer_id: string; total: number }>(
      `SELECT a.customer_id, COUNT(*) AS total FROM acceptances a WHERE ${where.sql.join(' AND ')} GROUP BY a.customer_id`,
      where.params,
    );
    const totals = new Map(rows.map((row) => [row.customer_id, Number(row.total)]));
    return customerIds.map((id) => totals.get(id) ?? 0);
  }

  private conditions(caller: Caller, customerIds: readonly string[], type: AgreementType | null) {
    const sql = ['a.partner_id = ?', `a.customer_id IN (${placeholders(customerIds.length)})`];
    const params: unknown[] = [caller.partner.id, ...customerIds];
    if (type) {
      sql.push('a.agreement_type = ?');
      params.push(type);
    }
    return { sql, params };
  }
}
