import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { type Caller, requireAccess } from '../auth/caller';
import { isRole, Operation, roleUsed } from '../auth/roles';
import type { Clock } from '../shared/clock';
import { DomainError, ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { type Connection, connectionOf, decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize } from '../shared/pagination';
import { currentRequestScope } from '../shared/request-scope';
import { type Database, unitBrokenBy } from '../shared/unit-of-work';
import { isId, requireId } from '../shared/validation';
import { type AuditEvent, AuditOutcome } from './audit-event';
import type { ChainedAuditEvent, PendingAuditEvent } from './audit.entities';
import type { AuditRepository } from './audit.repository';
import { GENESIS_HASH, hashOf } from './chain';

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
const CHAIN_BATCH = 500;
const CHAIN_DELAY_MS = 50;
const SWEEP_EVERY_MS = 30_000;

/**
 * The evidence trail: every mutation attempt, done, refused or failed, as one
 * event in its partner's hash chain. Events are only ever appended.
 */
export class AuditTrail {
  /** Background chaining under way, per partner, and partners to chain once more when it ends. */
  private readonly chaining = new Map<string, Promise<void>>();
  private readonly chainAgain = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs one mutation attempt within the unit of work `em` and records it
   * there. Its writes and its SUCCEEDED event are a part of the unit that can
   * fail on its own (a savepoint): refused (a DomainError) or failed, they are
   * undone, and a REFUSED or FAILED event is written instead. The attempt's own
   * result or error is passed on as it is.
   *
   * @param named what the input names; `work` may add what it finds out (the customer of a subscription).
   * @param done what a success produced: its customer and acceptance.
   */
  async attempt<T>(
    em: EntityManager,
    caller: Caller,
    operation: Operation,
    named: AuditSubject,
    work: (em: EntityManager, named: AuditSubject) => Promise<T>,
    done: (result: T) => AuditSubject,
  ): Promise<T> {
    const subject = { ...named };
    try {
      // The event is part of what the attempt writes: without it, nothing of the attempt is kept.
      return await this.db.part(em, async (attempt) => {
        const result = await work(attempt, subject);
        await this.record(attempt, eventOf(caller, operation, { ...subject, ...done(result) }, AuditOutcome.SUCCEEDED, null));
        return result;
      });
    } catch (error) {
      // A unit of work the database rolled back (a deadlock) runs again as a whole: nothing can be recorded in it.
      if (!unitBrokenBy(em)) await this.refused(em, caller, operation, subject, error);
      throw error;
    }
  }

  /**
   * Records an attempt that did not go through: REFUSED with the code of a
   * DomainError, FAILED for anything else. Never throws: when the trail cannot
   * be written (the unit of work itself broke) that is logged, and the
   * attempt's own error stands.
   */
  async refused(em: EntityManager, caller: Caller, operation: Operation, named: AuditSubject, error: unknown): Promise<void> {
    const refusal = error instanceof DomainError;
    const event = eventOf(
      caller,
      operation,
      { customerId: named.customerId },
      refusal ? AuditOutcome.REFUSED : AuditOutcome.FAILED,
      refusal ? error.code : ErrorCode.INTERNAL_SERVER_ERROR,
    );
    try {
      await this.record(em, event);
    } catch (failure) {
      this.logger.error(
        { err: failure, operation, partnerId: caller.partner.id, requestId: event.requestId },
        'the audit event of a refused or failed attempt could not be written',
      );
    }
  }

  /** A page of the caller's partner's events, oldest first; one statement, plus one for totalCount when asked for. */
  async list(em: EntityManager, caller: Caller, args: AuditEventArgs): Promise<Connection<AuditEvent>> {
    requireAccess(caller, Operation.READ_AUDIT);
    // What was committed but waits to be chained is chained first, so that the list shows every attempt.
    await this.db.writeDuring(em, (tx) => this.chainWithin(tx, caller.partner.id));
    const size = pageSize(args.first, DEFAULT_PAGE, MAX_PAGE_SIZE);
    const query = {
      partnerId: caller.partner.id,
      customerId: args.customerId === null || args.customerId === undefined ? null : requireId(args.customerId, 'customerId'),
      from: args.from ?? null,
      to: args.to ?? null,
    };
    const after = args.after ? Number(decodeCursor(args.after, ['integer'])[0]) : null;
    const events = await this.repository.events(em, query, after, size + 1);
    return connectionOf(events.map(auditEventOf), size, (e) => encodeCursor([e.sequence]), after !== null, () =>
      this.repository.countEvents(em, query),
    );
  }

  /**
   * Moves the partner's recorded events into its hash chain, oldest first, a
   * batch per transaction: locks the chain head, links each event to the one
   * before by hash, appends them to the trail and removes them from the
   * waiting list. Many attempts committed at once are chained together, so the
   * attempts themselves never wait for the chain.
   */
  async chain(partnerId: string): Promise<void> {
    await this.db.write((em) => this.chainWithin(em, partnerId));
  }

  /** Chains every partner's waiting events (start-up, the periodic sweep, `audit verify`). */
  async chainAll(): Promise<void> {
    for (const partnerId of await this.db.read((em) => this.repository.partnersWaiting(em))) await this.chain(partnerId);
  }

  /**
   * Chains the partner's events in the background shortly after `em`'s unit
   * of work commits (CHAIN_DELAY_MS, so that the attempts of a busy moment are
   * chained in one batch): one run at a time per partner, and one more run if
   * attempts came in while it ran. A failure is logged; the periodic sweep
   * and every read chain again.
   */
  chainSoon(em: EntityManager, partnerId: string): void {
    this.db.afterCommit(em, () => this.schedule(partnerId));
  }

  /**
   * Chains what waits now and then every 30 s, in the background: attempts
   * are chained right after they commit; this catches any left waiting (by a
   * process that stopped, say). Returns how to stop.
   */
  sweepRegularly(): () => void {
    const sweep = () => {
      this.chainAll().catch((error: unknown) => this.logger.error({ err: error }, 'chaining audit events failed'));
    };
    sweep();
    const timer = setInterval(sweep, SWEEP_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Waits for background chaining under way (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.chaining.size > 0) await Promise.all(this.chaining.values());
  }

  private schedule(partnerId: string): void {
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

  /** Chains everything the partner has waiting, within the transaction `em`, a batch at a time. */
  private async chainWithin(em: EntityManager, partnerId: string): Promise<void> {
    await this.repository.ensureHead(em, partnerId);
    for (;;) {
      const head = (await this.repository.lockHead(em, partnerId)) ?? { partnerId, lastSequence: 0, lastHash: GENESIS_HASH };
      const waiting = await this.repository.waiting(em, partnerId, CHAIN_BATCH);
      if (waiting.length === 0) return;
      let { lastSequence: sequence, lastHash: previousHash } = head;
      const events = waiting.map(({ position: _position, ...attempt }): ChainedAuditEvent => {
        const event = { ...attempt, sequence: ++sequence, previousHash };
        previousHash = hashOf(event);
        return { ...event, hash: previousHash };
      });
      await this.repository.chain(em, events, { partnerId, lastSequence: sequence, lastHash: previousHash });
      if (waiting.length < CHAIN_BATCH) return;
    }
  }

  /**
   * Records a signatory's answer on the signing page within `em`, in the
   * partner's chain like any attempt: no signed-in user made it, so the user
   * is the signatory (`signatory:<request id>`) with no role, and the event
   * carries the evidence the answer was given with.
   */
  async recordAnswer(
    em: EntityManager,
    answer: { partnerId: string; customerId: string; requestId: string; operation: string; acceptanceId: string | null; evidence: Record<string, unknown> },
  ): Promise<void> {
    const scope = currentRequestScope();
    await this.record(em, {
      id: randomUUID(),
      partnerId: answer.partnerId,
      userId: `signatory:${answer.requestId}`,
      rolesHeld: '',
      roleUsed: null,
      operation: answer.operation,
      customerId: answer.customerId,
      outcome: AuditOutcome.SUCCEEDED,
      code: null,
      acceptanceId: answer.acceptanceId,
      requestId: scope?.requestId ?? null,
      correlationId: scope?.correlationId ?? null,
      evidence: JSON.stringify({ acceptanceRequestId: answer.requestId, ...answer.evidence }),
    });
  }

  /** Writes an attempt's event within `em`: one insert, no lock; it joins its partner's chain moments after commit. */
  private async record(em: EntityManager, event: Omit<PendingAuditEvent, 'position' | 'at'>): Promise<void> {
    await this.repository.record(em, { ...event, at: this.clock.now() });
    this.chainSoon(em, event.partnerId);
  }
}

/** The caller's side of an event: who, under which role, from which request, about what, with what outcome. */
function eventOf(
  caller: Caller,
  operation: Operation,
  subject: AuditSubject,
  outcome: AuditOutcome,
  code: string | null,
): Omit<PendingAuditEvent, 'position' | 'at'> {
  const scope = currentRequestScope();
  return {
    id: randomUUID(),
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
    evidence: null,
  };
}

/** How an event reads in the API: roles as a list. */
export const auditEventOf = (e: ChainedAuditEvent): AuditEvent => ({
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
