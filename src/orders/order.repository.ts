import { type EntityManager, In } from 'typeorm';
import { PartnerCustomer } from '../customers/customer.entity';
import { insertRows } from '../shared/insert-rows';
import { forUpdate } from '../shared/locking';
import { Offer } from './offer.entity';
import { Order, OrderLineItem } from './order.entity';
import { Subscription } from './subscription.entity';

/** Offers, the subscriptions customers hold through partners, and orders. */
export class OrderRepository {
  offers(em: EntityManager): Promise<Offer[]> {
    return em.createQueryBuilder(Offer, 'o').orderBy('o.name').addOrderBy('o.id').getMany();
  }

  offersByIds(em: EntityManager, ids: readonly string[]): Promise<Offer[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.findBy(Offer, { id: In([...ids]) });
  }

  /** The partner's subscriptions of the given customers, oldest first. */
  subscriptionsOf(em: EntityManager, partnerId: string, customerIds: readonly string[]): Promise<Subscription[]> {
    if (customerIds.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(Subscription, 's')
      .where('s.partnerId = :partnerId AND s.customerId IN (:...customerIds)', { partnerId, customerIds })
      .orderBy('s.createdAt')
      .addOrderBy('s.id')
      .getMany();
  }

  /**
   * A subscription held through the partner, locked with its relationship for
   * this transaction, with its offer (the purchase gate and a confirmation must not interleave).
   */
  async lockSubscription(em: EntityManager, partnerId: string, subscriptionId: string): Promise<(Subscription & { offer: Offer }) | null> {
    return (await forUpdate(
      em
        .createQueryBuilder(Subscription, 's')
        .innerJoin(PartnerCustomer, 'pc', 'pc.partnerId = s.partnerId AND pc.customerId = s.customerId')
        .innerJoinAndMapOne('s.offer', Offer, 'o', 'o.id = s.offerId')
        .where('s.id = :subscriptionId AND s.partnerId = :partnerId', { subscriptionId, partnerId }),
    ).getOne()) as (Subscription & { offer: Offer }) | null;
  }

  setQuantity(em: EntityManager, subscriptionId: string, quantity: number): Promise<unknown> {
    return em.update(Subscription, { id: subscriptionId }, { quantity });
  }

  /** An order, its subscriptions and its line items. */
  async insertOrder(em: EntityManager, order: Order, subscriptions: readonly Subscription[], lineItems: readonly OrderLineItem[]): Promise<void> {
    await em.insert(Order, { id: order.id, customerId: order.customerId, partnerId: order.partnerId, createdBy: order.createdBy, createdAt: order.createdAt });
    await this.insertSubscriptions(em, subscriptions);
    await em.insert(
      OrderLineItem,
      lineItems.map(({ orderId, lineNumber, offerId, quantity, subscriptionId }) => ({ orderId, lineNumber, offerId, quantity, subscriptionId })),
    );
  }

  insertSubscriptions(em: EntityManager, subscriptions: readonly Subscription[]): Promise<void> {
    return insertRows(em, Subscription, subscriptions);
  }

  subscriptionsByIds(em: EntityManager, ids: readonly string[]): Promise<Subscription[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.findBy(Subscription, { id: In([...ids]) });
  }

  updateSubscription(em: EntityManager, id: string, changes: Partial<Subscription>): Promise<unknown> {
    return em.update(Subscription, { id }, changes);
  }

  saveOffers(em: EntityManager, offers: readonly Offer[]): Promise<unknown> {
    return offers.length === 0 ? Promise.resolve() : em.upsert(Offer, [...offers], ['id']);
  }
}
