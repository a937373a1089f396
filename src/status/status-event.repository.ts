import type { EntityManager } from 'typeorm';
import { insertRows } from '../shared/insert-rows';
import { forUpdate } from '../shared/locking';
import { StatusEvent } from './status-event.entity';

/** The outbox's queries. */
export class StatusEventRepository {
  async insert(em: EntityManager, events: readonly Omit<StatusEvent, 'position' | 'dispatched'>[]): Promise<void> {
    await insertRows(
      em,
      StatusEvent,
      events.map((event) => Object.assign(new StatusEvent(), event, { dispatched: false })),
    );
  }

  /** The oldest events not yet dispatched to endpoints, claimed for this transaction (others skip them). */
  claimUndispatched(em: EntityManager, limit: number): Promise<StatusEvent[]> {
    return forUpdate(em.createQueryBuilder(StatusEvent, 'e').where('e.dispatched = 0').orderBy('e.position').limit(limit), { skipLocked: true }).getMany();
  }

  /**
   * The oldest events not yet dispatched, read without locking them: for a
   * reader that takes turns with the others by a lock of its own, so that the
   * transactions recording events never wait for it.
   */
  undispatched(em: EntityManager, limit: number): Promise<StatusEvent[]> {
    return em.createQueryBuilder(StatusEvent, 'e').where('e.dispatched = 0').orderBy('e.position').limit(limit).getMany();
  }

  async markDispatched(em: EntityManager, positions: readonly number[]): Promise<void> {
    if (positions.length > 0) await em.createQueryBuilder().update(StatusEvent).set({ dispatched: true }).where('position IN (:...positions)', { positions }).execute();
  }

  byIds(em: EntityManager, ids: readonly string[]): Promise<StatusEvent[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.createQueryBuilder(StatusEvent, 'e').where('e.id IN (:...ids)', { ids }).getMany();
  }
}
