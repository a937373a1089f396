import type { EntityManager } from 'typeorm';
import { insertRows } from '../shared/insert-rows';
import { forUpdate } from '../shared/locking';
import { isUniqueViolation } from '../shared/unit-of-work';
import { AuditChainHead, ChainedAuditEvent, PendingAuditEvent } from './audit.entities';
import { GENESIS_HASH } from './chain';

/** Which of a partner's chained events to list. */
export interface EventQuery {
  partnerId: string;
  customerId: string | null;
  /** At or after. */
  from: Date | null;
  /** Before. */
  to: Date | null;
}

/** The audit trail's tables: attempts waiting to be chained, the chains, their heads. */
export class AuditRepository {
  /** One insert, no lock: attempts of one partner never queue behind its chain head. */
  async record(em: EntityManager, event: Omit<PendingAuditEvent, 'position'>): Promise<void> {
    await insertRows(em, PendingAuditEvent, [Object.assign(new PendingAuditEvent(), event)]);
  }

  /** Creates the partner's chain head (empty) unless it exists; two creators at once both succeed. */
  async ensureHead(em: EntityManager, partnerId: string): Promise<void> {
    if (await em.findOneBy(AuditChainHead, { partnerId })) return;
    await em.insert(AuditChainHead, { partnerId, lastSequence: 0, lastHash: GENESIS_HASH }).catch((error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
    });
  }

  /** The partner's chain head, locked until the transaction ends: one chainer per partner at a time. */
  lockHead(em: EntityManager, partnerId: string): Promise<AuditChainHead | null> {
    return forUpdate(em.createQueryBuilder(AuditChainHead, 'h').where('h.partnerId = :partnerId', { partnerId })).getOne();
  }

  head(em: EntityManager, partnerId: string): Promise<AuditChainHead | null> {
    return em.findOneBy(AuditChainHead, { partnerId });
  }

  /**
   * The partner's oldest waiting attempts, in the order recorded. A locking
   * read: it sees what another chainer committed while this one waited for
   * the head (a plain read would see the transaction's older snapshot, and
   * chain those attempts a second time).
   */
  waiting(em: EntityManager, partnerId: string, limit: number): Promise<PendingAuditEvent[]> {
    return forUpdate(em.createQueryBuilder(PendingAuditEvent, 'p').where('p.partnerId = :partnerId', { partnerId }).orderBy('p.position').limit(limit)).getMany();
  }

  /** Moves waiting attempts into the chain and moves the head to the last of them. */
  async chain(em: EntityManager, events: readonly ChainedAuditEvent[], head: AuditChainHead): Promise<void> {
    await em.insert(ChainedAuditEvent, [...events]);
    await em.createQueryBuilder().delete().from(PendingAuditEvent).where('id IN (:...ids)', { ids: events.map((e) => e.id) }).execute();
    await em.upsert(AuditChainHead, head, ['partnerId']);
  }

  /** Partners with attempts waiting to be chained. */
  async partnersWaiting(em: EntityManager): Promise<string[]> {
    const rows = await em.createQueryBuilder(PendingAuditEvent, 'p').select('DISTINCT p.partnerId', 'partnerId').getRawMany<{ partnerId: string }>();
    return rows.map((row) => row.partnerId);
  }

  /** Every partner with a chain or an event, in order. */
  async partnersChained(em: EntityManager): Promise<string[]> {
    const heads = await em.createQueryBuilder(AuditChainHead, 'h').select('h.partnerId', 'partnerId').getRawMany<{ partnerId: string }>();
    const events = await em.createQueryBuilder(ChainedAuditEvent, 'e').select('DISTINCT e.partnerId', 'partnerId').getRawMany<{ partnerId: string }>();
    return [...new Set([...heads, ...events].map((row) => row.partnerId))].sort();
  }

  /** The partner's chained events after a sequence number, in chain order. */
  chainPage(em: EntityManager, partnerId: string, afterSequence: number, limit: number): Promise<ChainedAuditEvent[]> {
    return em
      .createQueryBuilder(ChainedAuditEvent, 'e')
      .where('e.partnerId = :partnerId AND e.sequence > :afterSequence', { partnerId, afterSequence })
      .orderBy('e.sequence')
      .limit(limit)
      .getMany();
  }

  /** A page of the events a query selects, oldest first. */
  events(em: EntityManager, query: EventQuery, afterSequence: number | null, limit: number): Promise<ChainedAuditEvent[]> {
    const qb = this.selecting(em, query);
    if (afterSequence !== null) qb.andWhere('e.sequence > :afterSequence', { afterSequence });
    return qb.orderBy('e.sequence').limit(limit).getMany();
  }

  countEvents(em: EntityManager, query: EventQuery): Promise<number> {
    return this.selecting(em, query).getCount();
  }

  private selecting(em: EntityManager, query: EventQuery) {
    const qb = em.createQueryBuilder(ChainedAuditEvent, 'e').where('e.partnerId = :partnerId', { partnerId: query.partnerId });
    if (query.customerId !== null) qb.andWhere('e.customerId = :customerId', { customerId: query.customerId });
    if (query.from) qb.andWhere('e.at >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.at < :to', { to: query.to });
    return qb;
  }
}
