import type { EntityManager } from 'typeorm';
import type { AgreementType } from '../agreements/agreement.entity';
import { type Caller, requireRole } from '../auth/caller';
import { Operation } from '../auth/roles';
import { notFound } from '../shared/errors';
import { decodeCursor, encodeCursor } from '../shared/pagination';
import { requireId } from '../shared/validation';
import type { Acceptance } from './acceptance.entity';
import type { AcceptanceRepository, CustomerWithCurrent } from './acceptance.repository';

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
  constructor(private readonly acceptances: AcceptanceRepository) {}

  async byIds(em: EntityManager, caller: Caller, ids: readonly string[]): Promise<(Acceptance | null)[]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const found = new Map((await this.acceptances.byIds(em, caller.partner.id, ids)).map((a) => [a.id, a]));
    return ids.map((id) => found.get(id) ?? null);
  }

  /** For each customer, up to `first + 1` records after the cursor, newest first: one statement for all. */
  async pages(em: EntityManager, caller: Caller, customerIds: readonly string[], args: HistoryArgs): Promise<Acceptance[][]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    let after = null;
    if (args.after) {
      const [recordedAt, sequence, id] = decodeCursor(args.after, ['instant', 'integer', 'string']);
      after = { recordedAt: new Date(recordedAt), sequence: Number(sequence), id: String(id) };
    }
    const records = await this.acceptances.pages(em, caller.partner.id, customerIds, { type: args.type, limit: args.first + 1, after });
    const byCustomer = new Map<string, Acceptance[]>(customerIds.map((id) => [id, []]));
    for (const record of records) byCustomer.get(record.customerId)?.push(record);
    return customerIds.map((id) => byCustomer.get(id)!);
  }

  /**
   * Every record of one customer, oldest first, of one agreement type or all
   * (null). A customer the caller's partner is not related to is NOT_FOUND,
   * exactly like an unknown one; `field` names the id in that error.
   */
  async ofCustomer(em: EntityManager, caller: Caller, customerId: string, type: AgreementType | null, field = 'customerId'): Promise<Acceptance[]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const id = requireId(customerId, field);
    const records = await this.acceptances.ofCustomer(em, caller.partner.id, id, type);
    if (records === null) throw notFound('Customer', id, field);
    return records;
  }

  /** Number of records per customer. */
  async counts(em: EntityManager, caller: Caller, customerIds: readonly string[], type: AgreementType | null): Promise<number[]> {
    requireRole(caller, Operation.READ_ACCEPTANCES);
    const totals = await this.acceptances.counts(em, caller.partner.id, customerIds, type);
    return customerIds.map((id) => totals.get(id) ?? 0);
  }

  /** The caller's partner's customers among `ids`, with their current acceptance of one type: one statement. */
  customersWithCurrent(em: EntityManager, caller: Caller, type: AgreementType, ids: readonly string[]): Promise<CustomerWithCurrent[]> {
    return this.acceptances.customersWithCurrent(em, caller.partner.id, type, ids);
  }
}
