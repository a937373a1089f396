import type { AgreementStatus } from '../status/agreement-status';
import { DomainError, ErrorCode } from '../shared/errors';

/**
 * The purchase gate (Partner Center 13605): new orders and seat-count changes
 * need a status that may transact, ACCEPTED or NOT_APPLICABLE. OUTDATED may not.
 */
export function requireCanTransact(status: AgreementStatus): void {
  if (!status.canTransact) {
    throw new DomainError(
      ErrorCode.ACCEPTANCE_REQUIRED,
      `The customer's Microsoft Customer Agreement status is ${status.status}: confirm or attest acceptance of the ` +
        'latest version before ordering or changing seat counts.',
    );
  }
}

export const MAX_SEATS = 100_000;
