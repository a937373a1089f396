import type { EntityManager } from 'typeorm';
import { Partner } from '../partners/partner.entity';
import { insertRows } from '../shared/insert-rows';
import { forUpdate } from '../shared/locking';
import { StatusEvent } from '../status/status-event.entity';
import { JobLease, WebhookDeliveryRecord, WebhookEndpointRecord } from './webhook.entities';

export type DeliveryStatus = WebhookDeliveryRecord['status'];

/** Deliveries still to make: due now or later. */
export const OPEN_STATUSES: readonly DeliveryStatus[] = ['PENDING', 'RETRYING'];
/** Deliveries that are over: succeeded, or given up. */
export const FINISHED_STATUSES: readonly DeliveryStatus[] = ['SUCCEEDED', 'GAVE_UP'];

/** What a delivery attempt changed. */
export type AttemptOutcome = Pick<WebhookDeliveryRecord, 'status' | 'lastResponseStatus' | 'lastAttemptAt' | 'firstAttemptAt' | 'nextAttemptAt'>;

/** A page of deliveries, newest first, after the cursor (createdAt, id). */
export interface DeliveryPageQuery {
  endpointId: string;
  statuses: readonly DeliveryStatus[] | null;
  after: { createdAt: Date; id: string } | null;
  limit: number;
}

/** `until` is a reserved word in MySQL: the column is written escaped. */
const untilColumn = (em: EntityManager) => em.connection.driver.escape('until');

/** A job's lease row as first made: held by nobody, run out long ago. */
const freeLease = (name: string): JobLease => Object.assign(new JobLease(), { name, holder: '', until: new Date(0) });

/** The queries of webhook endpoints, their deliveries and the background jobs' leases. */
export class WebhookRepository {
  // Endpoints

  endpointsOf(em: EntityManager, partnerId: string): Promise<WebhookEndpointRecord[]> {
    return em.createQueryBuilder(WebhookEndpointRecord, 'w').where('w.partnerId = :partnerId', { partnerId }).orderBy('w.createdAt').addOrderBy('w.id').getMany();
  }

  /** The partner's endpoint, or null (another partner's endpoint is as unknown as one that does not exist). */
  endpoint(em: EntityManager, partnerId: string, id: string): Promise<WebhookEndpointRecord | null> {
    return em.getRepository(WebhookEndpointRecord).findOneBy({ partnerId, id });
  }

  endpointsByIds(em: EntityManager, ids: readonly string[]): Promise<WebhookEndpointRecord[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.createQueryBuilder(WebhookEndpointRecord, 'w').where('w.id IN (:...ids)', { ids }).getMany();
  }

  /** The enabled endpoints of these partners: where their events go. */
  enabledEndpointsOf(em: EntityManager, partnerIds: readonly string[]): Promise<WebhookEndpointRecord[]> {
    if (partnerIds.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(WebhookEndpointRecord, 'w')
      .where('w.partnerId IN (:...partnerIds) AND w.enabled = 1', { partnerIds })
      .orderBy('w.createdAt')
      .getMany();
  }

  /**
   * Locks the partner's row until the transaction ends: endpoints of one
   * partner are created one at a time, so that the limit holds.
   */
  async lockPartner(em: EntityManager, partnerId: string): Promise<void> {
    await forUpdate(em.createQueryBuilder(Partner, 'p').where('p.id = :partnerId', { partnerId })).getOne();
  }

  countEndpoints(em: EntityManager, partnerId: string): Promise<number> {
    return em.getRepository(WebhookEndpointRecord).countBy({ partnerId });
  }

  async insertEndpoint(em: EntityManager, endpoint: WebhookEndpointRecord): Promise<void> {
    await em.insert(WebhookEndpointRecord, endpoint);
  }

  async updateEndpoint(em: EntityManager, id: string, changes: Partial<Omit<WebhookEndpointRecord, 'id' | 'partnerId'>>): Promise<void> {
    await em.update(WebhookEndpointRecord, { id }, changes);
  }

  /** Removes an endpoint and every delivery to it. */
  async deleteEndpoint(em: EntityManager, id: string): Promise<void> {
    await em.createQueryBuilder().delete().from(WebhookDeliveryRecord).where('endpointId = :id', { id }).execute();
    await em.delete(WebhookEndpointRecord, { id });
  }

  // Deliveries

  insertDeliveries(em: EntityManager, deliveries: readonly WebhookDeliveryRecord[]): Promise<void> {
    return insertRows(em, WebhookDeliveryRecord, deliveries);
  }

  /** A delivery to one of the partner's endpoints, or null. */
  async delivery(em: EntityManager, partnerId: string, id: string): Promise<WebhookDeliveryRecord | null> {
    return em
      .createQueryBuilder(WebhookDeliveryRecord, 'd')
      .innerJoin(WebhookEndpointRecord, 'w', 'w.id = d.endpointId')
      .where('d.id = :id AND w.partnerId = :partnerId', { id, partnerId })
      .getOne();
  }

  deliveriesByIds(em: EntityManager, ids: readonly string[]): Promise<WebhookDeliveryRecord[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.createQueryBuilder(WebhookDeliveryRecord, 'd').where('d.id IN (:...ids)', { ids }).getMany();
  }

  /** Up to `limit` deliveries of an endpoint, newest first. */
  deliveryPage(em: EntityManager, query: DeliveryPageQuery): Promise<WebhookDeliveryRecord[]> {
    const qb = em.createQueryBuilder(WebhookDeliveryRecord, 'd').where('d.endpointId = :endpointId', { endpointId: query.endpointId });
    if (query.statuses) qb.andWhere('d.status IN (:...statuses)', { statuses: query.statuses });
    if (query.after) qb.andWhere('(d.createdAt < :at OR (d.createdAt = :at AND d.id < :id))', { at: query.after.createdAt, id: query.after.id });
    return qb.orderBy('d.createdAt', 'DESC').addOrderBy('d.id', 'DESC').limit(query.limit).getMany();
  }

  countDeliveries(em: EntityManager, endpointId: string, statuses: readonly DeliveryStatus[] | null): Promise<number> {
    const qb = em.createQueryBuilder(WebhookDeliveryRecord, 'd').where('d.endpointId = :endpointId', { endpointId });
    if (statuses) qb.andWhere('d.status IN (:...statuses)', { statuses });
    return qb.getCount();
  }

  /**
   * Claims up to `limit` deliveries that are due: each the first one still
   * open of its endpoint and customer (deliveries go out in the order of their
   * events), to an enabled endpoint, not held by a process sending it. The
   * candidates are read first; then those still free are locked, skipping
   * rows another process is claiming (FOR UPDATE SKIP LOCKED), and held until
   * `leaseUntil`: a process that stops before recording the outcome lets them
   * go again then (sent twice rather than never). `busy`: deliveries this
   * process is sending or has not recorded yet, never claimed again by it.
   */
  async claimDue(em: EntityManager, now: Date, leaseUntil: Date, limit: number, busy: readonly string[] = []): Promise<WebhookDeliveryRecord[]> {
    const query = em
      .createQueryBuilder(WebhookDeliveryRecord, 'd')
      .select('d.id', 'id')
      .innerJoin(WebhookEndpointRecord, 'w', 'w.id = d.endpointId AND w.enabled = 1')
      .where('d.status IN (:...open) AND d.nextAttemptAt <= :now', { open: OPEN_STATUSES, now })
      .andWhere('(d.leaseUntil IS NULL OR d.leaseUntil <= :now)')
      .andWhere(
        'NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.customer_id = d.customer_id ' +
          'AND p.status IN (:...open) AND p.event_position < d.event_position)',
      )
      .orderBy('d.nextAttemptAt')
      .addOrderBy('d.eventPosition')
      .limit(limit);
    if (busy.length > 0) query.andWhere('d.id NOT IN (:...busy)', { busy });
    const candidates = await query.getRawMany<{ id: string }>();
    if (candidates.length === 0) return [];
    const claimed = await forUpdate(
      em
        .createQueryBuilder(WebhookDeliveryRecord, 'd')
        .where('d.id IN (:...ids)', { ids: candidates.map((c) => c.id) })
        .andWhere('d.status IN (:...open) AND d.nextAttemptAt <= :now', { open: OPEN_STATUSES, now })
        .andWhere('(d.leaseUntil IS NULL OR d.leaseUntil <= :now)'),
      { skipLocked: true },
    ).getMany();
    if (claimed.length > 0) {
      await em
        .createQueryBuilder()
        .update(WebhookDeliveryRecord)
        .set({ leaseUntil })
        .where('id IN (:...ids)', { ids: claimed.map((d) => d.id) })
        .execute();
    }
    return claimed.map((d) => Object.assign(d, { leaseUntil }));
  }

  /** Records an attempt's outcome and lets the delivery go. */
  async recordAttempt(em: EntityManager, id: string, outcome: AttemptOutcome): Promise<void> {
    await em
      .createQueryBuilder()
      .update(WebhookDeliveryRecord)
      .set({ ...outcome, attempts: () => 'attempts + 1', leaseUntil: null })
      .where('id = :id', { id })
      .execute();
  }

  /** When the next open delivery falls due, if any. */
  async nextDue(em: EntityManager): Promise<Date | null> {
    const next = await em
      .createQueryBuilder(WebhookDeliveryRecord, 'd')
      .where('d.status IN (:...open)', { open: OPEN_STATUSES })
      .orderBy('d.nextAttemptAt')
      .limit(1)
      .getOne();
    return next?.nextAttemptAt ?? null;
  }

  // Events

  /** Events by id (their bodies, for sending). */
  eventsByIds(em: EntityManager, ids: readonly string[]): Promise<StatusEvent[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.createQueryBuilder(StatusEvent, 'e').where('e.id IN (:...ids)', { ids }).getMany();
  }

  /** The types of these events, by id. */
  async eventTypes(em: EntityManager, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await em.createQueryBuilder(StatusEvent, 'e').select('e.id', 'id').addSelect('e.type', 'type').where('e.id IN (:...ids)', { ids: [...new Set(ids)] }).getRawMany<{ id: string; type: string }>();
    return new Map(rows.map((r) => [r.id, r.type]));
  }

  // Pruning

  /** Removes up to `limit` finished deliveries created before `before`; how many went. */
  async pruneDeliveries(em: EntityManager, before: Date, limit: number): Promise<number> {
    const rows = await em
      .createQueryBuilder(WebhookDeliveryRecord, 'd')
      .select('d.id', 'id')
      .where('d.status IN (:...finished) AND d.createdAt < :before', { finished: FINISHED_STATUSES, before })
      .limit(limit)
      .getRawMany<{ id: string }>();
    if (rows.length === 0) return 0;
    await em.createQueryBuilder().delete().from(WebhookDeliveryRecord).where('id IN (:...ids)', { ids: rows.map((r) => r.id) }).execute();
    return rows.length;
  }

  /** Removes up to `limit` dispatched events that occurred before `before` and that no delivery refers to any more; how many went. */
  async pruneEvents(em: EntityManager, before: Date, limit: number): Promise<number> {
    const rows = await em
      .createQueryBuilder(StatusEvent, 'e')
      .select('e.position', 'position')
      .where('e.dispatched = 1 AND e.occurredAt < :before', { before })
      .andWhere('NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)')
      .orderBy('e.position')
      .limit(limit)
      .getRawMany<{ position: number }>();
    if (rows.length === 0) return 0;
    await em.createQueryBuilder().delete().from(StatusEvent).where('position IN (:...positions)', { positions: rows.map((r) => Number(r.position)) }).execute();
    return rows.length;
  }

  // Job leases

  /** Makes sure a job's lease row exists (expired, held by no one). */
  async ensureLease(em: EntityManager, name: string): Promise<void> {
    if (await em.getRepository(JobLease).existsBy({ name })) return;
    await em.insert(JobLease, freeLease(name));
  }

  /**
   * Waits for, and holds until the transaction ends, a job's lease row: runs of
   * the job take turns. A row not there yet is made (and held, as its writer).
   */
  async lockLease(em: EntityManager, name: string): Promise<void> {
    const row = await forUpdate(em.createQueryBuilder(JobLease, 'l').where('l.name = :name', { name })).getOne();
    if (!row) await em.insert(JobLease, freeLease(name));
  }

  /** Takes the job's lease until `until` when it is free (ran out) or already this holder's; true when taken. */
  async takeLease(em: EntityManager, name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(JobLease)
      .set({ holder, until })
      .where(`name = :name AND (${untilColumn(em)} <= :now OR holder = :holder)`, { name, now, holder })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async releaseLease(em: EntityManager, name: string, holder: string): Promise<void> {
    await em.createQueryBuilder().update(JobLease).set({ until: new Date(0) }).where('name = :name AND holder = :holder', { name, holder }).execute();
  }
}
