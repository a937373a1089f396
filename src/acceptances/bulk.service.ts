import type { Caller } from '../auth/caller';
import { badInput, DomainError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { currentRequestScope } from '../shared/request-scope';
import { AcceptanceChannel } from './acceptance.entity';
import type { AcceptanceRequest, AcceptanceService, RecordedAcceptance } from './acceptance.service';
import type { AcceptanceProblem, AcceptanceSuccess, BulkAcceptancePayload } from './bulk.types';

export const MAX_BULK_ITEMS = 500;

/** Items of different customers run side by side on this many transactions at once. */
const LANES = 4;

/**
 * Many confirmations or attestations in one request: the same rules as one,
 * applied to each item on its own, in its own transaction. Items of one
 * customer run in input order (a later item sees what an earlier one
 * recorded); items of different customers, which cannot see each other, run
 * side by side. One refused item never fails the others.
 */
export class BulkAcceptances {
  constructor(
    private readonly acceptances: AcceptanceService,
    private readonly logger: Logger,
  ) {}

  confirm(caller: Caller, inputs: readonly AcceptanceRequest[]): Promise<BulkAcceptancePayload> {
    return this.each(inputs, (input, path) => this.acceptances.confirm(caller, input, AcceptanceChannel.EXISTING_CUSTOMER, path));
  }

  attest(caller: Caller, inputs: readonly AcceptanceRequest[]): Promise<BulkAcceptancePayload> {
    return this.each(inputs, (input, path) => this.acceptances.attest(caller, input, path));
  }

  private async each(
    inputs: readonly AcceptanceRequest[],
    record: (input: AcceptanceRequest, path: string) => Promise<RecordedAcceptance>,
  ): Promise<BulkAcceptancePayload> {
    if (inputs.length < 1 || inputs.length > MAX_BULK_ITEMS) throw badInput('inputs', `must hold 1 to ${MAX_BULK_ITEMS} items.`);
    const results = new Array<AcceptanceSuccess | AcceptanceProblem>(inputs.length);
    const byCustomer = new Map<unknown, number[]>();
    inputs.forEach((input, index) => byCustomer.set(input.customerId, [...(byCustomer.get(input.customerId) ?? []), index]));
    const queue = [...byCustomer.values()];
    const lane = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const index of group) {
          try {
            results[index] = { index, acceptance: (await record(inputs[index], `inputs[${index}]`)).acceptance };
          } catch (error) {
            results[index] = this.problem(index, error);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    const succeeded = results.filter((r) => 'acceptance' in r).length;
    return { results, succeeded, failed: results.length - succeeded };
  }

  private problem(index: number, error: unknown): AcceptanceProblem {
    if (error instanceof DomainError) return { index, code: error.code, message: error.message, field: error.field ?? null };
    const requestId = currentRequestScope()?.requestId;
    this.logger.error({ err: error, requestId, index }, 'unexpected error in a bulk item');
    return { index, code: ErrorCode.INTERNAL_SERVER_ERROR, message: `Internal server error (request ${requestId}).`, field: null };
  }
}
