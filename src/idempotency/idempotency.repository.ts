import type { EntityManager } from 'typeorm';
import { IDEMPOTENCY_KEYS, type IdempotencyKey } from './idempotency-key.entity';

/** Whose a key is: a user of a partner. */
export interface KeyOwner {
  partnerId: string;
  userId: string;
}

/** Idempotency keys and their stored responses. */
export class IdempotencyRepository {
  find(em: EntityManager, owner: KeyOwner, idempotencyKey: string): Promise<IdempotencyKey | null> {
    return em.getRepository<IdempotencyKey>(IDEMPOTENCY_KEYS).findOneBy({ ...owner, idempotencyKey });
  }

  /** Claims a key; false when it is taken already (by a unique-key refusal the caller turns into false). */
  async claim(em: EntityManager, key: Omit<IdempotencyKey, 'responseStatus' | 'responseContentType' | 'responseBody'>): Promise<void> {
    await em.getRepository<IdempotencyKey>(IDEMPOTENCY_KEYS).insert({ ...key, responseStatus: null, responseContentType: null, responseBody: null });
  }

  /** Takes over a claim whose lease ran out; true for the one taker that wins. */
  async takeOver(em: EntityManager, owner: KeyOwner, idempotencyKey: string, now: Date, leaseUntil: Date): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(IDEMPOTENCY_KEYS)
      .set({ leaseUntil })
      .where('partnerId = :partnerId AND userId = :userId AND idempotencyKey = :idempotencyKey AND state = :state AND leaseUntil <= :now', {
        ...owner,
        idempotencyKey,
        state: 'IN_PROGRESS',
        now,
      })
      .execute();
    return result.affected === 1;
  }

  async complete(em: EntityManager, owner: KeyOwner, idempotencyKey: string, response: Pick<IdempotencyKey, 'responseStatus' | 'responseContentType' | 'responseBody'>): Promise<void> {
    await em.getRepository<IdempotencyKey>(IDEMPOTENCY_KEYS).update({ ...owner, idempotencyKey }, { state: 'COMPLETED', ...response });
  }

  /** Removes a claim that did not complete. */
  async release(em: EntityManager, owner: KeyOwner, idempotencyKey: string): Promise<void> {
    await em.getRepository<IdempotencyKey>(IDEMPOTENCY_KEYS).delete({ ...owner, idempotencyKey, state: 'IN_PROGRESS' });
  }

  /** Removes an expired key; `now` guards against removing one renewed meanwhile. */
  async removeExpired(em: EntityManager, owner: KeyOwner | null, idempotencyKey: string | null, now: Date): Promise<number> {
    const qb = em.createQueryBuilder().delete().from(IDEMPOTENCY_KEYS).where('expiresAt <= :now', { now });
    if (owner && idempotencyKey) qb.andWhere('partnerId = :partnerId AND userId = :userId AND idempotencyKey = :idempotencyKey', { ...owner, idempotencyKey });
    return (await qb.execute()).affected ?? 0;
  }
}
