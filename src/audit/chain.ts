import { createHash } from 'node:crypto';

/** The previous hash of a partner's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit event as stored: every column that its hash covers, in the stored form. */
export interface ChainedEvent {
  id: string;
  partnerId: string;
  /** Position in the partner's chain, from 1. */
  sequence: number;
  at: Date;
  userId: string;
  /** Role names, comma-separated, as held by the caller. */
  rolesHeld: string;
  roleUsed: string | null;
  operation: string;
  customerId: string | null;
  outcome: string;
  code: string | null;
  acceptanceId: string | null;
  requestId: string | null;
  correlationId: string | null;
  /** The hash of the partner's previous event, or GENESIS_HASH. */
  previousHash: string;
  /** What an answer on the signing page was given with (JSON), or null: covered by the hash when present. */
  evidence?: string | null;
}

/**
 * The event's fields in their fixed order: the order of the hash's input, and
 * of the stored columns. Never reorder: stored chains depend on it.
 */
export const chainedValues = (e: ChainedEvent): readonly unknown[] => [
  e.id,
  e.partnerId,
  e.sequence,
  e.at,
  e.userId,
  e.rolesHeld,
  e.roleUsed,
  e.operation,
  e.customerId,
  e.outcome,
  e.code,
  e.acceptanceId,
  e.requestId,
  e.correlationId,
  e.previousHash,
];

/**
 * The text an event's hash is taken over: a JSON array of its fields, led by
 * a format tag, so that no two different events read alike.
 */
export const canonicalForm = (e: ChainedEvent): string => {
  const values = chainedValues(e).map((value) => (value instanceof Date ? value.toISOString() : value));
  // Events without evidence keep their first form, so that every chain stored before it stays valid.
  return e.evidence === null || e.evidence === undefined
    ? JSON.stringify(['audit-event/1', ...values])
    : JSON.stringify(['audit-event/2', ...values, e.evidence]);
};

/** Hex SHA-256 over the event's canonical form, which includes the previous event's hash. */
export const hashOf = (e: ChainedEvent): string => createHash('sha256').update(canonicalForm(e)).digest('hex');
