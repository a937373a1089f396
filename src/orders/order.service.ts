import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { type Acceptance, AcceptanceChannel } from '../acceptances/acceptance.entity';
import type { AcceptanceService } from '../acceptances/acceptance.service';
import { AgreementType } from '../agreements/agreement.entity';
import type { AuditSubject, AuditTrail } from '../audit/audit-trail';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation } from '../auth/roles';
import type { AcceptanceInput } from '../customers/customer.inputs';
import type { CustomerRepository } from '../customers/customer.repository';
import type { CustomerService } from '../customers/customer.service';
import type { Clock } from '../shared/clock';
import { badInput, notFound } from '../shared/errors';
import { requireId } from '../shared/validation';
import { BillingType, type Offer } from './offer.entity';
import { Order, OrderLineItem } from './order.entity';
import type { OrderRepository } from './order.repository';
import { MAX_SEATS, requireCanTransact } from './purchase-gate';
import { Subscription } from './subscription.entity';

export interface OrderRequest {
  customerId: string;
  lineItems: { offerId: string; quantity?: number | null }[];
  agreementAcceptance?: AcceptanceInput | null;
}

export interface SeatCountRequest {
  subscriptionId: string;
  quantity: number;
}

const MAX_LINE_ITEMS = 50;

/** Offers, subscriptions, orders and seat counts, behind the purchase gate. */
export class OrderService {
  constructor(
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly acceptances: AcceptanceService,
    private readonly customers: CustomerService,
    private readonly customerRecords: CustomerRepository,
    private readonly orders: OrderRepository,
  ) {}

  offers(em: EntityManager): Promise<Offer[]> {
    return this.orders.offers(em);
  }

  async offersByIds(em: EntityManager, ids: readonly string[]): Promise<(Offer | null)[]> {
    const found = new Map((await this.orders.offersByIds(em, ids)).map((o) => [o.id, o]));
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Per customer, the subscriptions held through the caller's partner, oldest first. */
  async subscriptionsOf(em: EntityManager, caller: Caller, customerIds: readonly string[]): Promise<Subscription[][]> {
    const byCustomer = new Map<string, Subscription[]>(customerIds.map((id) => [id, []]));
    for (const s of await this.orders.subscriptionsOf(em, caller.partner.id, customerIds)) byCustomer.get(s.customerId)?.push(s);
    return customerIds.map((id) => byCustomer.get(id)!);
  }

  /**
   * One subscription per line item. With `agreementAcceptance` the confirmation
   * (channel NEW_ORDER) and the order are one part of the unit of work: both or
   * neither, and one audit event, which names the acceptance.
   */
  createOrder(em: EntityManager, caller: Caller, request: OrderRequest): Promise<{ order: Order; acceptance: Acceptance | null }> {
    return this.audit.attempt(
      em,
      caller,
      Operation.CREATE_ORDER,
      { customerId: request.customerId },
      (tx) => this.placeOrder(tx, caller, request),
      (placed) => ({ customerId: placed.order.customerId, acceptanceId: placed.acceptance?.id }),
    );
  }

  private async placeOrder(em: EntityManager, caller: Caller, request: OrderRequest): Promise<{ order: Order; acceptance: Acceptance | null }> {
    requireAccess(caller, Operation.CREATE_ORDER);
    const customerId = requireId(request.customerId, 'input.customerId');
    if (request.lineItems.length < 1 || request.lineItems.length > MAX_LINE_ITEMS) {
      throw badInput('input.lineItems', `must hold 1 to ${MAX_LINE_ITEMS} line items.`);
    }
    const lines = request.lineItems.map((line, i) => ({
      offerId: requireId(line.offerId, `input.lineItems[${i}].offerId`),
      quantity: line.quantity ?? null,
    }));
    const now = this.clock.now();

    if (!(await this.customerRecords.lockRelated(em, caller.partner.id, customerId))) throw notFound('Customer', customerId, 'input.customerId');
    const offers = await this.offersFor(em, lines.map((l) => l.offerId));
    lines.forEach((line, i) => checkQuantity(offers.get(line.offerId)!, line.quantity, `input.lineItems[${i}].quantity`));

    const acceptance = request.agreementAcceptance
      ? (
          await this.acceptances.confirmWithin(
            em,
            caller,
            { ...request.agreementAcceptance, customerId },
            AcceptanceChannel.NEW_ORDER,
            'input.agreementAcceptance',
          )
        ).acceptance
      : null;
    await this.requireGate(em, caller, customerId);

    const order: Order = Object.assign(new Order(), { id: randomUUID(), customerId, partnerId: caller.partner.id, createdBy: caller.userId, createdAt: now, lineItems: [] as OrderLineItem[] });
    const subscriptions = lines.map((line) =>
      Object.assign(new Subscription(), {
        id: randomUUID(),
        customerId,
        partnerId: caller.partner.id,
        offerId: line.offerId,
        quantity: line.quantity,
        autoRenew: true,
        createdAt: now,
      }),
    );
    order.lineItems = lines.map((line, index) =>
      Object.assign(new OrderLineItem(), {
        orderId: order.id,
        lineNumber: index + 1,
        offerId: line.offerId,
        quantity: line.quantity,
        subscriptionId: subscriptions[index].id,
        offer: offers.get(line.offerId)!,
        subscription: subscriptions[index],
      }),
    );
    await this.orders.insertOrder(em, order, subscriptions, order.lineItems);
    return { order, acceptance };
  }

  /**
   * Changes the seat count of a licence-based subscription held through the
   * caller's partner. Its audit event names the subscription's customer once it is found.
   */
  updateSubscriptionQuantity(em: EntityManager, caller: Caller, request: SeatCountRequest): Promise<Subscription> {
    return this.audit.attempt(
      em,
      caller,
      Operation.CHANGE_SEAT_COUNT,
      {},
      (tx, subject) => this.changeSeatCount(tx, caller, request, subject),
      (subscription) => ({ customerId: subscription.customerId }),
    );
  }

  private async changeSeatCount(em: EntityManager, caller: Caller, request: SeatCountRequest, subject: AuditSubject): Promise<Subscription> {
    requireAccess(caller, Operation.CHANGE_SEAT_COUNT);
    const subscriptionId = requireId(request.subscriptionId, 'input.subscriptionId');
    if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > MAX_SEATS) {
      throw badInput('input.quantity', `must be a seat count from 1 to ${MAX_SEATS}.`);
    }
    const found = await this.orders.lockSubscription(em, caller.partner.id, subscriptionId);
    if (!found) throw notFound('Subscription', subscriptionId, 'input.subscriptionId');
    const { offer, ...subscription } = found;
    subject.customerId = subscription.customerId;
    if (offer.billingType !== BillingType.LICENSE) throw badInput('input.quantity', 'a usage-based subscription has no seat count.');
    if (subscription.quantity === request.quantity) return subscription;
    await this.requireGate(em, caller, subscription.customerId);
    await this.orders.setQuantity(em, subscriptionId, request.quantity);
    return { ...subscription, quantity: request.quantity };
  }

  private async requireGate(em: EntityManager, caller: Caller, customerId: string): Promise<void> {
    const [status] = await this.customers.statusesOf(em, caller, AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, [customerId]);
    requireCanTransact(status);
  }

  /** The offers named, each one known, else NOT_FOUND naming the line. */
  private async offersFor(em: EntityManager, offerIds: string[]): Promise<Map<string, Offer>> {
    const offers = new Map((await this.orders.offersByIds(em, [...new Set(offerIds)])).map((o) => [o.id, o]));
    offerIds.forEach((id, i) => {
      if (!offers.get(id)) throw notFound('Offer', id, `input.lineItems[${i}].offerId`);
    });
    return offers;
  }
}

/** Licence offers need a seat count 1..100000; usage offers none. */
function checkQuantity(offer: Offer, quantity: number | null, field: string): void {
  if (offer.billingType === BillingType.LICENSE) {
    if (quantity === null || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_SEATS) {
      throw badInput(field, `a licence-based offer needs a seat count from 1 to ${MAX_SEATS}.`);
    }
  } else if (quantity !== null) {
    throw badInput(field, 'must be absent for a usage-based offer.');
  }
}
