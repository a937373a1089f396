import { isRole } from '../auth/roles';
import { instantParam, instantValue, placeholders, type Row, type Sql } from '../shared/db';
import type { AuditEvent, AuditOutcome } from './audit-event';
import { type ChainedEvent, chainedValues } from './chain';

/** The columns in the order of `chainedValues`, then the hash. */
export const AUDIT_COLUMNS =
  'id, partner_id, sequence, at, user_id, roles_held, role_used, operation, customer_id, outcome, code, ' +
  'acceptance_id, request_id, correlation_id, previous_hash, hash';

/** A stored event exactly as its columns hold it (what the chain is verified over), with its stored hash. */
export interface StoredEvent extends ChainedEvent {
  hash: string;
}

const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export const storedEventFromRow = (row: Row): StoredEvent => ({
  id: String(row.id),
  partnerId: String(row.partner_id),
  sequence: Number(row.sequence),
  at: instantValue(row.at),
  userId: String(row.user_id),
  rolesHeld: String(row.roles_held),
  roleUsed: textOrNull(row.role_used),
  operation: String(row.operation),
  customerId: textOrNull(row.customer_id),
  outcome: String(row.outcome),
  code: textOrNull(row.code),
  acceptanceId: textOrNull(row.acceptance_id),
  requestId: textOrNull(row.request_id),
  correlationId: textOrNull(row.correlation_id),
  previousHash: String(row.previous_hash),
  hash: String(row.hash),
});

/** How an event reads in the API: roles as a list. */
export const auditEventOf = (e: StoredEvent): AuditEvent => ({
  id: e.id,
  sequence: e.sequence,
  at: e.at,
  partnerId: e.partnerId,
  userId: e.userId,
  rolesHeld: e.rolesHeld.split(',').filter(isRole),
  roleUsed: isRole(e.roleUsed) ? e.roleUsed : null,
  operation: e.operation,
  customerId: e.customerId,
  outcome: e.outcome as AuditOutcome,
  code: e.code,
  acceptanceId: e.acceptanceId,
  requestId: e.requestId,
  correlationId: e.correlationId,
  hash: e.hash,
});

/** An event as recorded, before it is chained: all but its sequence and hashes. */
export const pendingEventFromRow = (row: Row): Omit<ChainedEvent, 'sequence' | 'previousHash'> => ({
  id: String(row.id),
  partnerId: String(row.partner_id),
  at: instantValue(row.at),
  userId: String(row.user_id),
  rolesHeld: String(row.roles_held),
  roleUsed: textOrNull(row.role_used),
  operation: String(row.operation),
  customerId: textOrNull(row.customer_id),
  outcome: String(row.outcome),
  code: textOrNull(row.code),
  acceptanceId: textOrNull(row.acceptance_id),
  requestId: textOrNull(row.request_id),
  correlationId: textOrNull(row.correlation_id),
});

/** Appends chained events to the trail, in one statement. */
export async function insertEvents(tx: Sql, events: readonly StoredEvent[]): Promise<void> {
  const rows = events.map((e) => [...chainedValues(e).map((value) => (value instanceof Date ? instantParam(tx.dialect, value) : value)), e.hash]);
  await tx.query(
    `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES ${rows.map((row) => `(${placeholders(row.length)})`).join(', ')}`,
    rows.flat(),
  );
}
