import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation, roleUsed } from '../auth/roles';
import type { Clock } from '../shared/clock';
import { type Database, instantParam, isUniqueViolation, placeholders, type Sql } from '../shared/db';
import { DomainError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { type Connection, connectionOf, decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize } from '../shared/pagination';
import { currentRequestScope } from '../shared/request-scope';
import { isId, requireId } from '../shared/validation';
import { type AuditEvent, AuditOutcome } from './audit-event';
import { AUDIT_COLUMNS, auditEventOf, insertEvents, pendingEventFromRow, storedEventFromRow } from './audit.rows';
import { type ChainedEvent, GENESIS_HASH, hashOf } from './chain';

/** What an attempt is about: the customer it names and, once it succeeded, the acceptance it recorded. */
export interface AuditSubject {
  /** Kept only when it is a well-formed id. */
  customerId?: unknown;
  acceptanceId?: string | null;
}

export interface AuditEventArgs {
  customerId?: string | null;
  /** At or after this instant. */
  from?: Date | null;
  /** Before this instant. */
  to?: Date | null;
  first?: number | null;
  after?: string | null;
}

const DEFAULT_PAGE = 100;
const MAX_PAGE = MAX_PAGE_SIZE;

type EventFields = Omit<ChainedEvent, 'id' | 'sequence' | 'at' | 'previousHash'>;

/**
 * The evidence trail: every mutation attempt, done, refused or failed, as one
 * event in its partner's hash chain. Events are only ever appended.
 */
export class AuditTrail {
  /** Set while an attempt runs, so that an attempt made within it (a confirmation inside createOrder) records nothing of its own. */
  private readonly running = new AsyncLocalStorage<true>();
  /** Partners whose chain head is known to exist. */
  private readonly chains = new Set<string>();
  /** Background chaining under way, per partner, and partners to chain once more when it ends. */
  private readonly chaining = new Map<string, Promise<void>>();
  private readonly chainAgain = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs one mutation attempt in a transaction and records it. Done: its event
   * is written in that same transaction, so no write is committed without it.
   * Refused or failed: the transaction is rolled back and the event is written
   * in one of its own. The attempt's own result or error is passed on as it is.
   *
   * @param named what the input names; `work` may add what it finds out (the customer of a subscription).
   * @param done what a success produced: its customer and acceptance.
   */
  async attempt<T>(
    caller: Caller,
    operation: Operation,
    named: AuditSubject,
    work: (named: AuditSubject) => Promise<T>,
    done: (result: T) => AuditSubject,
  ): Promise<T> {
    if (this.running.getStore()) return work({ ...named });
    let result: T;
    try {
      result = await this.running.run(true, () =>
        this.db.transaction(async (tx) => {
          const value = await work(named);
          await this.record(tx, eventFields(caller, operation, { ...named, ...done(value) }, AuditOutcome.SUCCEEDED, null));
          return value;
        }),
      );
    } catch (error) {
      await this.recordFailedAttempt(caller, operation, named, error);
      throw error;
    }
    this.chainSoon(caller.partner.id);
    return result;
  }

  /**
   * Records an attempt that did not go through, in a transaction of its own:
   * REFUSED with the code of a DomainError, FAILED for anything else. Never
   * throws: when the trail cannot be written that is logged, and the attempt's
   * own error stands.
   */
  async recordFailedAttempt(caller: Caller, operation: Operation, named: AuditSubject, error: unknown): Promise<void> {
    const refused = error instanceof DomainError;
    const fields = eventFields(
      caller,
      operation,
      { customerId: named.customerId },
      refused ? AuditOutcome.REFUSED : AuditOutcome.FAILED,
      refused ? error.code : ErrorCode.INTERNAL_SERVER_ERROR,
    );
    try {
      await this.record(this.db, fields);
      this.chainSoon(fields.partnerId);
    } catch (failure) {
      this.logger.error(
        { err: failure, operation, partnerId: caller.partner.id, requestId: fields.requestId },
        'the audit event of a refused or failed attempt could not be written',
      );
    }
  }

  /** A page of the caller's partner's events, oldest first; one statement, plus one for totalCount when asked for. */
  async list(caller: Caller, args: AuditEventArgs): Promise<Connection<AuditEvent>> {
    requireAccess(caller, Operation.READ_AUDIT);
    await this.chain(caller.partner.id);
    const size = pageSize(args.first, DEFAULT_PAGE, MAX_PAGE);
    const sql = ['partner_id = ?'];
    const params: unknown[] = [caller.partner.id];
    if (args.customerId !== null && args.customerId !== undefined) {
      sql.push('customer_id = ?');
      params.push(requireId(args.customerId, 'customerId'));
    }
    if (args.from) {
      sql.push('at >= ?');
      params.push(instantParam(this.db.dialect, args.from));
    }
    if (args.to) {
      sql.push('at < ?');
      params.push(instantParam(this.db.dialect, args.to));
    }
    const where = sql.join(' AND ');
    const after = args.after ? Number(decodeCursor(args.after, ['integer'])[0]) : null;
    const rows = await this.db.query(
      `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE ${where}${after === null ? '' : ' AND sequence > ?'} ORDER BY sequence LIMIT ?`,
      [...params, ...(after === null ? [] : [after]), size + 1],
    );
    return connectionOf(
      rows.map((row) => auditEventOf(storedEventFromRow(row))),
      size,
      (e) => encodeCursor([e.sequence]),
      after !== null,
      async () => Number((await this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_events WHERE ${where}`, params))[0].n),
    );
  }

  /**
   * Creates the partner's chain head (empty: sequence 0) unless it exists, in
   * statements of their own before the attempt's transaction. Were it created
   * inside, two first events of a partner would each hold a gap lock where the
   * head goes and deadlock on MySQL, and twenty at once could exhaust the retries.
   */
  private async ensureChain(partnerId: string): Promise<void> {
    if (this.chains.has(partnerId)) return;
    const [head] = await this.db.query('SELECT partner_id FROM audit_chains WHERE partner_id = ?', [partnerId]);
    if (!head) {
      await this.db
        .query('INSERT INTO audit_chains (partner_id, last_sequence, last_hash) VALUES (?, ?, ?)', [partnerId, 0, GENESIS_HASH])
        .catch((error: unknown) => {
          if (!isUniqueViolation(error)) throw error;
        });
    }
    this.chains.add(partnerId);
  }

  /**
   * Writes an attempt's event within `tx` (the attempt's own transaction, for
   * a success): one insert, no lock. It joins its partner's chain moments
   * later, in `chain`.
   */
  private async record(sql: Sql, fields: EventFields): Promise<void> {
    const at = instantParam(sql.dialect, this.clock.now());
    await sql.query(
      `INSERT INTO audit_pending (${PENDING_COLUMNS}) VALUES (${placeholders(13)})`,
      [randomUUID(), fields.partnerId, at, fields.userId, fields.rolesHeld, fields.roleUsed, fields.operation, fields.customerId,
        fields.outcome, fields.code, fields.acceptanceId, fields.requestId, fields.correlationId],
    );
  }

  /**
   * Moves the partner's recorded events into its hash chain, oldest first, a
   * batch per transaction: locks the chain head, links each event to the one
   * before by hash, inserts them into the trail and removes them from the
   * waiting list. Many attempts committed at once are chained together, so the
   * attempts themselves never wait for the chain.
   */
  async chain(partnerId: string): Promise<void> {
    await this.ensureChain(partnerId);
    for (;;) {
      const chained = await this.db.transaction(async (tx) => {
        const [head] = await tx.query<{ last_sequence: number; last_hash: string }>(
          `SELECT last_sequence, last_hash FROM audit_chains WHERE partner_id = ?${this.db.forUpdate}`,
          [partnerId],
        );
        const pending = await tx.query(
          `SELECT ${PENDING_COLUMNS} FROM audit_pending WHERE partner_id = ? ORDER BY position LIMIT ${CHAIN_BATCH}`,
          [partnerId],
        );
        if (pending.length === 0) return 0;
        let sequence = head ? Number(head.last_sequence) : 0;
        let previousHash = head ? head.last_hash : GENESIS_HASH;
        const events = pending.map((row) => {
          const event: ChainedEvent = { ...pendingEventFromRow(row), sequence: ++sequence, previousHash };
          const hash = hashOf(event);
          previousHash = hash;
          return { ...event, hash };
        });
        await insertEvents(tx, events);
        await tx.query(`DELETE FROM audit_pending WHERE id IN (${placeholders(events.length)})`, events.map((e) => e.id));
        if (head) {
          await tx.query('UPDATE audit_chains SET last_sequence = ?, last_hash = ? WHERE partner_id = ?', [sequence, previousHash, partnerId]);
        } else {
          // Only where the head was removed after `ensureChain`.
          await tx.query('INSERT INTO audit_chains (partner_id, last_sequence, last_hash) VALUES (?, ?, ?)', [partnerId, sequence, previousHash]);
        }
        return events.length;
      });
      if (chained < CHAIN_BATCH) return;
    }
  }

  /** Chains every partner's waiting events (start-up, the periodic sweep, `audit verify`). */
  async chainAll(): Promise<void> {
    const partners = await this.db.query<{ partner_id: string }>('SELECT DISTINCT partner_id FROM audit_pending');
    for (const { partner_id: partnerId } of partners) await this.chain(String(partnerId));
  }

  /**
   * Chains the partner's events in the background, shortly after an attempt
   * (CHAIN_DELAY_MS, so that the attempts of a busy moment are chained in one
   * batch): one run at a time per partner, and one more run if attempts came
   * in while it ran. A failure is logged; the periodic sweep and every read
   * chain again.
   */
  chainSoon(partnerId: string): void {
    if (this.chaining.has(partnerId)) {
      this.chainAgain.add(partnerId);
      return;
    }
    const run = (async () => {
      do {
        await sleep(CHAIN_DELAY_MS);
        this.chainAgain.delete(partnerId);
        await this.chain(partnerId);
      } while (this.chainAgain.has(partnerId));
    })()
      .catch((error: unknown) => this.logger.error({ err: error, partnerId }, 'chaining audit events failed; they wait for the next run'))
      .finally(() => this.chaining.delete(partnerId));
    this.chaining.set(partnerId, run);
  }

  /** Waits for background chaining under way (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.chaining.size > 0) await Promise.all(this.chaining.values());
  }
}

const CHAIN_BATCH = 500;
const CHAIN_DELAY_MS = 50;

/** Columns of audit_pending, in the order `record` writes them. */
const PENDING_COLUMNS =
  'id, partner_id, at, user_id, roles_held, role_used, operation, customer_id, outcome, code, acceptance_id, request_id, correlation_id';

/** The caller's side of an event: who, under which role, from which request, about what, with what outcome. */
function eventFields(
  caller: Caller,
  operation: Operation,
  subject: AuditSubject,
  outcome: AuditOutcome,
  code: string | null,
): EventFields {
  const scope = currentRequestScope();
  return {
    partnerId: caller.partner.id,
    userId: caller.userId,
    rolesHeld: caller.roles.join(','),
    roleUsed: roleUsed(operation, caller.roles) ?? null,
    operation,
    customerId: isId(subject.customerId) ? subject.customerId : null,
    outcome,
    code,
    acceptanceId: subject.acceptanceId ?? null,
    requestId: scope?.requestId ?? null,
    correlationId: scope?.correlationId ?? null,
  };
}
