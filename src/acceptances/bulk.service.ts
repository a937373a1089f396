import type { EntityManager } from 'typeorm';
import type { Caller } from '../auth/caller';
import { badInput, DomainError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { currentRequestScope } from '../shared/request-scope';
import { breaksTheUnit } from '../shared/unit-of-work';
import { AcceptanceChannel } from './acceptance.entity';
import type { AcceptanceRequest, AcceptanceService, RecordedAcceptance } from './acceptance.service';
import type { AcceptanceProblem, AcceptanceSuccess, BulkAcceptancePayload } from './bulk.types';

export const MAX_BULK_ITEMS = 500;

/**
 * Many confirmations or attestations in one request: the same rules as one,
 * applied to each item on its own and in input order, within the request's
 * unit of work, each item a part of it that can fail on its own (a later item
 * sees what an earlier one recorded). One refused item never fails the others.
 */
export class BulkAcceptances {
  constructor(
    private readonly acceptances: AcceptanceService,
    private readonly logger: Logger,
  ) {}

  confirm(em: EntityManager, caller: Caller, inputs: readonly AcceptanceRequest[]): Promise<BulkAcceptancePayload> {
    return this.each(inputs, (input, path) => this.acceptances.confirm(em, caller, input, AcceptanceChannel.EXISTING_CUSTOMER, path));
  }

  attest(em: EntityManager, caller: Caller, inputs: readonly AcceptanceRequest[]): Promise<BulkAcceptancePayload> {
    return this.each(inputs, (input, path) => this.acceptances.attest(em, caller, input, path));
  }

  private async each(
    inputs: readonly AcceptanceRequest[],
    record: (input: AcceptanceRequest, path: string) => Promise<RecordedAcceptance>,
  ): Promise<BulkAcceptancePayload> {
    if (inputs.length < 1 || inputs.length > MAX_BULK_ITEMS) throw badInput('inputs', `must hold 1 to ${MAX_BULK_ITEMS} items.`);
    const results: (AcceptanceSuccess | AcceptanceProblem)[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        results.push({ index, acceptance: (await record(input, `inputs[${index}]`)).acceptance });
      } catch (error) {
        results.push(this.problem(index, error));
      }
    }
    const succeeded = results.filter((r) => 'acceptance' in r).length;
    return { results, succeeded, failed: results.length - succeeded };
  }

  private problem(index: number, error: unknown): AcceptanceProblem {
    if (error instanceof DomainError) return { index, code: error.code, message: error.message, field: error.field ?? null };
    // The unit of work itself broke (the database stopped answering, a deadlock): the whole request fails and runs again or answers 503.
    if (breaksTheUnit(error)) throw error;
    const requestId = currentRequestScope()?.requestId;
    this.logger.error({ err: error, requestId, index }, 'unexpected error in a bulk item');
    return { index, code: ErrorCode.INTERNAL_SERVER_ERROR, message: `Internal server error (request ${requestId}).`, field: null };
  }
}
