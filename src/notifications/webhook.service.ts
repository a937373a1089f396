import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation } from '../auth/roles';
import { badInput, DomainError, ErrorCode, notFound } from '../shared/errors';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { type Connection, connectionOf, decodeCursor, encodeCursor, pageSize } from '../shared/pagination';
import { isUniqueViolation, type Database } from '../shared/unit-of-work';
import { requireId } from '../shared/validation';
import type { StatusEvent, StatusEventType } from '../status/status-event.entity';
import type { StatusEventRepository } from '../status/status-event.repository';
import { checkDestination, DestinationRefused, type DestinationPolicy } from './destination-guard';
import type { WebhookConfig } from './notifications-config';
import { nextAttemptAt } from './retry-schedule';
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from './webhook.entities';
import type { AttemptOutcome, WebhookRepository } from './webhook.repository';
import { delivered, type WebhookSender } from './webhook-sender';
import { generateWebhookSecret, rotateSecret } from './webhook-signing';
import {
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  type WebhookEndpointPayload,
} from './webhook.types';

/** The event types, in the order the schema declares them (how an endpoint's list is kept and shown). */
const EVENT_TYPES: readonly StatusEventType[] = [
  'ACCEPTANCE_RECORDED',
  'AGREEMENT_STATUS_CHANGED',
  'AGREEMENT_STATUS_WILL_CHANGE',
  'ACCEPTANCE_REQUEST_UPDATED',
] as StatusEventType[];

/** Events turned into deliveries per transaction. */
const DISPATCH_BATCH = 500;
/**
 * How long a round waits after the commit that started it, so that the events
 * committed meanwhile are dispatched with it: under load one round (about ten
 * statements) serves many commits instead of each commit paying for its own.
 */
const GATHER_MS = 50;
/** Deliveries one process sends at once (each to its own endpoint and customer). */
const DEFAULT_CONCURRENCY = 32;
/** How often a process looks for deliveries that fell due (retries), and for events another process recorded. */
export const DEFAULT_POLL_MS = 1000;
/** How often a process offers to prune; one at a time does it (the job's lease). */
const PRUNE_EVERY_MS = 3_600_000;
/** How long a pruning run may take before another process may take the job over. */
const PRUNE_LEASE_MS = 600_000;
/** Rows removed per transaction while pruning. */
const PRUNE_BATCH = 1000;
const DAY_MS = 86_400_000;

/** The lock that makes dispatching take turns across processes: deliveries are created in the order of their events. */
export const DISPATCH_JOB = 'webhook-dispatch';
export const PRUNE_JOB = 'webhook-prune';

/** A delivery claimed for sending, with what it is sent with. */
interface Claimed {
  delivery: WebhookDeliveryRecord;
  endpoint: WebhookEndpointRecord;
  event: StatusEvent;
}

export interface DeliveryListArgs {
  status: readonly WebhookDeliveryStatus[] | null;
  first: number | null;
  after: string | null;
}

export interface WebhookServiceOptions {
  pollMs?: number;
  concurrency?: number;
}

/** What an endpoint shows: never its secrets. */
const endpointView = (record: WebhookEndpointRecord): WebhookEndpoint => ({
  id: record.id,
  url: record.url,
  events: record.events.split(',').filter(Boolean) as StatusEventType[],
  enabled: record.enabled,
  createdAt: record.createdAt,
});

const deliveryView = (record: WebhookDeliveryRecord, eventType: string): WebhookDelivery => ({
  id: record.id,
  eventId: record.eventId,
  eventType: eventType as StatusEventType,
  status: record.status as WebhookDeliveryStatus,
  attempts: record.attempts,
  lastResponseStatus: record.lastResponseStatus,
  lastAttemptAt: record.lastAttemptAt,
  nextAttemptAt: record.nextAttemptAt,
  createdAt: record.createdAt,
});

/**
 * Webhooks: a partner's endpoints (registered, changed, rotated, removed) and
 * the delivery of its events to them. Every recorded event becomes one
 * delivery per enabled endpoint that takes its type; deliveries go out at
 * least once, in the order of their events per endpoint and customer, retried
 * on the schedule of retry-schedule.ts until they succeed or are given up.
 * Any number of processes deliver side by side: a delivery is claimed (row
 * lock, then a lease) by one of them.
 */
export class WebhookService {
  readonly policy: DestinationPolicy;
  private readonly holder = randomUUID();
  private readonly pollMs: number;
  private readonly concurrency: number;
  private started = false;
  private again = false;
  /** Whether events may wait to be dispatched (one was committed, or the poll came round). */
  private eventsWaiting = true;
  /** Outcomes of attempts not yet recorded: recorded together, in one transaction, before the next claim. */
  private outcomes: { id: string; outcome: AttemptOutcome }[] = [];
  /** Deliveries this process claimed and has not recorded yet: it does not claim them again meanwhile. */
  private readonly busy = new Set<string>();
  private pumping: Promise<void> | null = null;
  private readonly sending = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly webhooks: WebhookRepository,
    private readonly events: StatusEventRepository,
    private readonly send: WebhookSender,
    private readonly config: WebhookConfig,
    private readonly logger: Logger,
    options: WebhookServiceOptions = {},
  ) {
    this.policy = { allowLocal: config.allowLocalDestinations };
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  }

  // The partner's endpoints

  async list(em: EntityManager, caller: Caller): Promise<WebhookEndpoint[]> {
    requireAccess(caller, Operation.MANAGE_WEBHOOKS);
    return (await this.webhooks.endpointsOf(em, caller.partner.id)).map(endpointView);
  }

  /** Registers an endpoint; its secret is in the answer, and never shown again. */
  async create(em: EntityManager, caller: Caller, input: CreateWebhookEndpointInput): Promise<WebhookEndpointPayload> {
    requireAccess(caller, Operation.MANAGE_WEBHOOKS);
    const url = await this.checkUrl(input.url, 'input.url');
    const events = this.checkEvents(input.events, 'input.events');
    await this.webhooks.lockPartner(em, caller.partner.id);
    const limit = this.config.endpointLimit;
    if ((await this.webhooks.countEndpoints(em, caller.partner.id)) >= limit) {
      throw new DomainError(
        ErrorCode.WEBHOOK_ENDPOINT_LIMIT_REACHED,
        `A partner may register at most ${limit} webhook endpoints; delete one you no longer use first.`,
      );
    }
    const record: WebhookEndpointRecord = {
      id: randomUUID(),
      partnerId: caller.partner.id,
      url,
      events: events.join(','),
      enabled: true,
      secret: generateWebhookSecret(),
      previousSecret: null,
      previousSecretUntil: null,
      createdAt: this.clock.now(),
    };
    await this.webhooks.insertEndpoint(em, record);
    return { endpoint: endpointView(record), secret: record.secret };
  }

  async update(em: EntityManager, caller: Caller, input: UpdateWebhookEndpointInput): Promise<WebhookEndpointPayload> {
    requireAccess(caller, Operation.MANAGE_WEBHOOKS);
    const record = await this.owned(em, caller, input.id, 'input.id');
    const changes: Partial<WebhookEndpointRecord> = {};
    if (input.url !== undefined && input.url !== null) changes.url = await this.checkUrl(input.url, 'input.url');
    if (input.events !== undefined && input.events !== null) changes.events = this.checkEvents(input.events, 'input.events').join(',');
    if (input.enabled !== undefined && input.enabled !== null) changes.enabled = input.enabled;
    if (Object.keys(changes).length > 0) await this.webhooks.updateEndpoint(em, record.id, changes);
    // Re-enabled: what waited for it goes out now.
    if (changes.enabled) this.db.afterCommit(em, () => this.nudge());
    return { endpoint: endpointView({ ...record, ...changes }), secret: null };
  }

  /** Removes an endpoint, and its deliveries with it. */
  async delete(em: EntityManager, caller: Caller, id: string): Promise<{ id: string }> {
    requireAccess(caller, Operation.MANAGE_WEBHOOKS);
    const record = await this.owned(em, caller, id, 'id');
    await this.webhooks.deleteEndpoint(em, record.id);
    return { id: record.id };
  }

  /** A new secret, shown once; the one it replaces keeps signing (beside it) for 24 hours. */
  async rotate(em: EntityManager, caller: Caller, id: string): Promise<WebhookEndpointPayload> {
    requireAccess(caller, Operation.MANAGE_WEBHOOKS);
    const record = await this.owned(em, caller, id, 'id');
    const rotated = rotateSecret(record.secret, this.clock.now());
    await this.webhooks.updateEndpoint(em, record.id, rotated);
    return { endpoint: endpointView(record), secret: rotated.secret };
  }

  /** Sends a delivery's event again: a new delivery, the same webhook-id. */
  async redeliver(em: EntityManager, caller: Caller, deliveryId: string): Promise<{ delivery: WebhookDelivery }> {
    requireAccess(caller, Operation.MANAGE_WEBHOOKS);
    requireId(deliveryId, 'deliveryId');
    const original = await this.webhooks.delivery(em, caller.partner.id, deliveryId);
    if (!original) throw notFound('Webhook delivery', deliveryId, 'deliveryId');
    const now = this.clock.now();
    const again = this.newDelivery(original.eventId, original.endpointId, original.customerId, original.eventPosition, now);
    await this.webhooks.insertDeliveries(em, [again]);
    this.db.afterCommit(em, () => this.nudge());
    const types = await this.webhooks.eventTypes(em, [again.eventId]);
    return { delivery: deliveryView(again, types.get(again.eventId)!) };
  }

  /** An endpoint's deliveries, newest first (the endpoint was found among the caller's partner's). */
  async deliveries(em: EntityManager, endpointId: string, args: DeliveryListArgs): Promise<Connection<WebhookDelivery>> {
    const size = pageSize(args.first ?? 50, 50, 500);
    const statuses = args.status && args.status.length > 0 ? [...new Set(args.status)] : null;
    let after: { createdAt: Date; id: string } | null = null;
    if (args.after !== null && args.after !== undefined) {
      const [at, id] = decodeCursor(args.after, ['instant', 'string']) as [string, string];
      after = { createdAt: new Date(at), id };
    }
    const rows = await this.webhooks.deliveryPage(em, { endpointId, statuses, after, limit: size + 1 });
    const types = await this.webhooks.eventTypes(em, rows.map((r) => r.eventId));
    const views = rows.map((r) => deliveryView(r, types.get(r.eventId)!));
    return connectionOf(
      views,
      size,
      (d) => encodeCursor([d.createdAt.toISOString(), d.id]),
      after !== null,
      () => this.webhooks.countDeliveries(em, endpointId, statuses),
    );
  }

  private async owned(em: EntityManager, caller: Caller, id: string, field: string): Promise<WebhookEndpointRecord> {
    requireId(id, field);
    const record = await this.webhooks.endpoint(em, caller.partner.id, id);
    if (!record) throw notFound('Webhook endpoint', id, field);
    return record;
  }

  /** The URL as given, checked as every delivery checks it: https (in production), public addresses only. */
  private async checkUrl(value: string, field: string): Promise<string> {
    const url = value.trim();
    try {
      await checkDestination(url, this.policy);
    } catch (error) {
      if (error instanceof DestinationRefused) throw badInput(field, error.message);
      throw error;
    }
    return url;
  }

  private checkEvents(events: readonly StatusEventType[], field: string): StatusEventType[] {
    if (events.length === 0) throw badInput(field, 'must name at least one event type.');
    return EVENT_TYPES.filter((type) => events.includes(type));
  }

  private newDelivery(eventId: string, endpointId: string, customerId: string, eventPosition: number, now: Date): WebhookDeliveryRecord {
    return {
      id: randomUUID(),
      eventId,
      endpointId,
      customerId,
      eventPosition,
      status: 'PENDING',
      attempts: 0,
      lastResponseStatus: null,
      firstAttemptAt: null,
      lastAttemptAt: null,
      nextAttemptAt: now,
      leaseUntil: null,
      createdAt: now,
    };
  }

  // Delivery, in the background

  /** Starts delivering: at once, whenever nudged (an event committed), and every poll interval; prunes hourly. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.timers = [setInterval(() => this.nudge(true), this.pollMs).unref(), setInterval(() => void this.pruneLogged(), PRUNE_EVERY_MS).unref()];
    void this.ensureLeases()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook job leases could not be prepared'))
      .finally(() => this.nudge());
  }

  /** Stops taking work and waits for the attempts under way to be recorded. */
  async stop(): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.pumping;
    await Promise.all([...this.sending]);
    await this.record().catch((error: unknown) => this.logger.error({ err: error }, 'recording webhook attempts failed'));
  }

  /** Looks for work now (`events`: events were just committed; else an attempt ended); a no-op unless started. */
  nudge(events = true): void {
    if (!this.started) return;
    if (events) this.eventsWaiting = true;
    this.again = true;
    if (this.pumping) return;
    this.pumping = (async () => {
      try {
        if (events) await sleep(GATHER_MS);
        while (this.again && this.started) {
          this.again = false;
          await this.round();
        }
      } catch (error) {
        this.logger.error({ err: error }, 'webhook delivery failed; trying again at the next poll');
      } finally {
        this.pumping = null;
      }
    })();
  }

  /** Records the attempts that ended, turns every undispatched event into deliveries, then claims and starts sending what is due. */
  private async round(): Promise<void> {
    await this.record();
    if (this.eventsWaiting) {
      this.eventsWaiting = false;
      while ((await this.dispatch()) === DISPATCH_BATCH) await nextTurn();
    }
    while (this.started && this.sending.size < this.concurrency) {
      const claimed = await this.claim(this.concurrency - this.sending.size);
      if (claimed.length === 0) break;
      for (const job of claimed) {
        this.busy.add(job.delivery.id);
        const sent: Promise<void> = this.attempt(job).finally(() => {
          this.sending.delete(sent);
          this.nudge(false);
        });
        this.sending.add(sent);
      }
    }
  }

  /**
   * One batch of events, oldest first, into deliveries: one per enabled
   * endpoint of the event's partner that takes its type. Processes take turns
   * (the dispatch lock), so that deliveries exist in the order of their events.
   * Returns how many events it went through.
   */
  dispatch(): Promise<number> {
    return this.db.write(async (em) => {
      // Dispatchers take turns (this lock, taken before the first read, so that the read sees what the previous one did);
      // events are read without locks, so that no transaction recording events waits for a dispatcher.
      await this.webhooks.lockLease(em, DISPATCH_JOB);
      const events = await this.events.undispatched(em, DISPATCH_BATCH);
      if (events.length === 0) return 0;
      const endpoints = await this.webhooks.enabledEndpointsOf(em, [...new Set(events.map((e) => e.partnerId))]);
      const now = this.clock.now();
      const deliveries = events.flatMap((event) =>
        endpoints
          .filter((endpoint) => endpoint.partnerId === event.partnerId && endpoint.events.split(',').includes(event.type))
          .map((endpoint) => this.newDelivery(event.id, endpoint.id, event.customerId, event.position, now)),
      );
      await this.webhooks.insertDeliveries(em, deliveries);
      await this.events.markDispatched(em, events.map((e) => e.position));
      return events.length;
    });
  }

  /** Claims up to `limit` due deliveries, with their endpoints and events. */
  private claim(limit: number): Promise<Claimed[]> {
    return this.db.write(async (em) => {
      const now = this.clock.now();
      // Held for two attempts' time and a margin; recording the outcome lets it go sooner.
      const leaseUntil = new Date(now.getTime() + 2 * this.config.timeoutMs + 5000);
      const deliveries = await this.webhooks.claimDue(em, now, leaseUntil, limit, [...this.busy]);
      if (deliveries.length === 0) return [];
      const endpoints = new Map((await this.webhooks.endpointsByIds(em, [...new Set(deliveries.map((d) => d.endpointId))])).map((e) => [e.id, e]));
      const events = new Map((await this.webhooks.eventsByIds(em, [...new Set(deliveries.map((d) => d.eventId))])).map((e) => [e.id, e]));
      return deliveries.map((delivery) => ({ delivery, endpoint: endpoints.get(delivery.endpointId)!, event: events.get(delivery.eventId)! }));
    });
  }

  /** Sends one claimed delivery and records the outcome: succeeded, retrying at the schedule's next time, or given up. */
  private async attempt({ delivery, endpoint, event }: Claimed): Promise<void> {
    const result = await this.send({ url: endpoint.url, eventId: event.id, body: event.body, secrets: endpoint }).catch((error: unknown) => {
      this.logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt failed unexpectedly');
      return { status: null, error: 'internal error', ms: 0 };
    });
    const now = this.clock.now();
    const firstAttemptAt = delivery.firstAttemptAt ?? now;
    let outcome: AttemptOutcome;
    if (delivered(result)) {
      outcome = { status: 'SUCCEEDED', lastResponseStatus: result.status, firstAttemptAt, lastAttemptAt: now, nextAttemptAt: null };
    } else {
      const next = nextAttemptAt(delivery.attempts + 1, firstAttemptAt);
      outcome = { status: next ? 'RETRYING' : 'GAVE_UP', lastResponseStatus: result.status, firstAttemptAt, lastAttemptAt: now, nextAttemptAt: next };
      this.logger.info(
        { deliveryId: delivery.id, endpointId: endpoint.id, eventId: event.id, status: result.status, error: result.error, attempts: delivery.attempts + 1, outcome: outcome.status },
        'webhook attempt failed',
      );
    }
    this.outcomes.push({ id: delivery.id, outcome });
  }

  /**
   * Records the outcomes of the attempts that ended, in one transaction. Until
   * then each delivery stays claimed (its lease); should recording fail for
   * longer than that, it is sent again: twice rather than never.
   */
  private async record(): Promise<void> {
    if (this.outcomes.length === 0) return;
    const outcomes = this.outcomes;
    this.outcomes = [];
    try {
      await this.db.write(async (em) => {
        for (const { id, outcome } of outcomes) await this.webhooks.recordAttempt(em, id, outcome);
      });
      for (const { id } of outcomes) this.busy.delete(id);
    } catch (error) {
      this.outcomes.unshift(...outcomes);
      throw error;
    }
  }

  // Pruning

  /**
   * Removes finished deliveries and dispatched events that no delivery refers
   * to, older than the retention; one process at a time (the job's lease).
   * Null when another process holds the job.
   */
  async prune(): Promise<{ deliveries: number; events: number } | null> {
    await this.ensureLeases();
    const now = this.clock.now();
    const taken = await this.db.write((em) => this.webhooks.takeLease(em, PRUNE_JOB, this.holder, now, new Date(now.getTime() + PRUNE_LEASE_MS)));
    if (!taken) return null;
    try {
      const before = new Date(now.getTime() - this.config.retentionDays * DAY_MS);
      const pruned = { deliveries: 0, events: 0 };
      for (let n = PRUNE_BATCH; n === PRUNE_BATCH; await nextTurn()) {
        n = await this.db.write((em) => this.webhooks.pruneDeliveries(em, before, PRUNE_BATCH));
        pruned.deliveries += n;
      }
      for (let n = PRUNE_BATCH; n === PRUNE_BATCH; await nextTurn()) {
        n = await this.db.write((em) => this.webhooks.pruneEvents(em, before, PRUNE_BATCH));
        pruned.events += n;
      }
      return pruned;
    } finally {
      await this.db.write((em) => this.webhooks.releaseLease(em, PRUNE_JOB, this.holder)).catch(() => undefined);
    }
  }

  private async pruneLogged(): Promise<void> {
    try {
      const pruned = await this.prune();
      if (pruned && pruned.deliveries + pruned.events > 0) this.logger.info(pruned, 'pruned webhook deliveries and events past their retention');
    } catch (error) {
      this.logger.warn({ err: error }, 'pruning webhook deliveries failed');
    }
  }

  /** The rows of the jobs' leases (created once, by whichever process comes first). */
  private async ensureLeases(): Promise<void> {
    for (const name of [DISPATCH_JOB, PRUNE_JOB]) {
      try {
        await this.db.write((em) => this.webhooks.ensureLease(em, name));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
  }
}
