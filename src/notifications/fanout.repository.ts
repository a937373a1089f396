import type { EntityManager } from 'typeorm';
import { forUpdate } from '../shared/locking';
import { CurrentAcceptance } from '../status/current-acceptance.entity';
import { StatusFanout } from './webhook.entities';

/** The batch jobs of status events, and the current acceptances they go through. */
export class FanoutRepository {
  insert(em: EntityManager, fanouts: readonly StatusFanout[]): Promise<unknown> {
    return fanouts.length === 0 ? Promise.resolve() : em.insert(StatusFanout, [...fanouts]);
  }

  /** The oldest fanout due and not done, locked for this transaction (other processes skip it meanwhile). */
  async claimDue(em: EntityManager, now: Date): Promise<StatusFanout | null> {
    return forUpdate(
      em
        .createQueryBuilder(StatusFanout, 'f')
        .where('f.doneAt IS NULL AND f.dueAt <= :now', { now })
        .orderBy('f.dueAt')
        .addOrderBy('f.createdAt')
        .limit(1),
      { skipLocked: true },
    ).getOne();
  }

  save(em: EntityManager, fanout: StatusFanout): Promise<unknown> {
    const { id, ...changes } = fanout;
    return em.update(StatusFanout, { id }, changes);
  }

  /** When the next fanout not done falls due, if any. */
  async nextDue(em: EntityManager): Promise<Date | null> {
    const next = await em.createQueryBuilder(StatusFanout, 'f').where('f.doneAt IS NULL').orderBy('f.dueAt').limit(1).getOne();
    return next?.dueAt ?? null;
  }

  /**
   * The next batch of a version's current acceptances, by partner and customer,
   * after the fanout's cursor, locked until the batch commits (a concurrent
   * acceptance of one of them waits, and then sees what the batch wrote).
   */
  batch(em: EntityManager, fanout: StatusFanout, templateId: string, limit: number): Promise<CurrentAcceptance[]> {
    const qb = em
      .createQueryBuilder(CurrentAcceptance, 'ca')
      .where('ca.agreementType = :agreementType AND ca.templateId = :templateId', { agreementType: fanout.agreementType, templateId });
    if (fanout.cursorPartnerId !== null && fanout.cursorCustomerId !== null) {
      qb.andWhere('(ca.partnerId > :partnerId OR (ca.partnerId = :partnerId AND ca.customerId > :customerId))', {
        partnerId: fanout.cursorPartnerId,
        customerId: fanout.cursorCustomerId,
      });
    }
    return forUpdate(qb.orderBy('ca.partnerId').addOrderBy('ca.customerId').limit(limit)).getMany();
  }

  /**
   * Marks whether each current acceptance of a version from just after the
   * fanout's cursor up to `last` (the batch just read) falls under the rule:
   * dated before `acceptedBefore`. One statement for the whole batch.
   */
  async markUnderRule(em: EntityManager, fanout: StatusFanout, templateId: string, last: CurrentAcceptance, acceptedBefore: string): Promise<void> {
    const qb = em
      .createQueryBuilder()
      .update(CurrentAcceptance)
      .set({ acceptedBeforeRule: () => 'CASE WHEN date_agreed < :acceptedBefore THEN 1 ELSE 0 END' })
      .where('agreement_type = :agreementType AND template_id = :templateId', { agreementType: fanout.agreementType, templateId, acceptedBefore })
      .andWhere('(partner_id < :lastPartnerId OR (partner_id = :lastPartnerId AND customer_id <= :lastCustomerId))', {
        lastPartnerId: last.partnerId,
        lastCustomerId: last.customerId,
      });
    if (fanout.cursorPartnerId !== null && fanout.cursorCustomerId !== null) {
      qb.andWhere('(partner_id > :partnerId OR (partner_id = :partnerId AND customer_id > :customerId))', {
        partnerId: fanout.cursorPartnerId,
        customerId: fanout.cursorCustomerId,
      });
    }
    await qb.execute();
  }
}
