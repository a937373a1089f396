import { randomUUID } from 'node:crypto';
import type { Acceptance } from '../acceptances/acceptance.entity';
import { AcceptanceChannel } from '../acceptances/acceptance.entity';
import type { AcceptanceInput } from '../acceptances/acceptance.inputs';
import { type AcceptanceService, lockCustomer } from '../acceptances/acceptance.service';
import { AgreementType } from '../agreements/agreement.entity';
import type { AuditSubject, AuditTrail } from '../audit/audit-trail';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation } from '../auth/roles';
import type { CustomerService } from '../customers/customer.service';
import type { Clock } from '../shared/clock';
import { type Database, instantParam } from '../shared/db';
import { badInput, notFound } from '../shared/errors';
import { requireId } from '../shared/validation';
import { BillingType, type Offer } from './offer.entity';
import type { Order, OrderLineItem } from './order.entity';
import type { Catalogue } from './catalogue';
import { SUBSCRIPTION_COLUMNS, subscriptionFromRow } from './order.rows';
import { MAX_SEATS, requireCanTransact } from './purchase-gate';
import type { Subscription } from './subscription.entity';

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

/** Orders and seat counts, behind the purchase gate. */
export class OrderService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly acceptances: AcceptanceService,
    private readonly customers: CustomerService,
    private readonly catalogue: Catalogue,
  ) {}

  /**
   * One subscription per line item. With `agreementAcceptance` the confirmation
   * (channel NEW_ORDER) and the order are one transaction: both or neither,
   * and one audit event, which names the acceptance.
   */
  createOrder(caller: Caller, request: OrderRequest): Promise<{ order: Order; acceptance: Acceptance | null }> {
    return this.audit.attempt(
      caller,
      Operation.CREATE_ORDER,
      { customerId: request.customerId },
      () => this.placeOrder(caller, request),
      (placed) => ({ customerId: placed.order.customerId, acceptanceId: placed.acceptance?.id }),
    );
  }

  private async placeOrder(caller: Caller, request: OrderRequest): Promise<{ order: Order; acceptance: Acceptance | null }> {
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

    return this.db.transaction(async (tx) => {
      await lockCustomer(tx, this.db.forUpdate, caller.partner.id, customerId, 'input.customerId');
      const offers = await this.offersFor(lines.map((l) => l.offerId));
      lines.forEach((line, i) => checkQuantity(offers.get(line.offerId)!, line.quantity, `input.lineItems[${i}].quantity`));

      const acceptance = request.agreementAcceptance
        ? (
            await this.acceptances.confirm(
              caller,
              { ...request.agreementAcceptance, customerId },
              AcceptanceChannel.NEW_ORDER,
              'input.agreementAcceptance',
            )
          ).acceptance
        : null;
      await this.requireGate(caller, customerId);

      const order: Order = { id: randomUUID(), customerId, partnerId: caller.partner.id, createdBy: caller.userId, createdAt: now, lineItems: [] };
      await tx.query('INSERT INTO orders (id, customer_id, partner_id, created_by, created_at) VALUES (?, ?, ?, ?, ?)', [
        order.id,
        customerId,
        caller.partner.id,
        caller.userId,
        instantParam(tx.dialect, now),
      ]);
      for (const [index, line] of lines.entries()) {
        const subscription: Subscription = {
          id: randomUUID(),
          customerId,
          partnerId: caller.partner.id,
          offerId: line.offerId,
          quantity: line.quantity,
          autoRenew: true,
          createdAt: now,
        };
        await tx.query(
          'INSERT INTO subscriptions (id, customer_id, partner_id, offer_id, quantity, auto_renew, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [subscription.id, customerId, caller.partner.id, line.offerId, line.quantity, 1, instantParam(tx.dialect, now)],
        );
        const item: OrderLineItem = {
          orderId: order.id,
          lineNumber: index + 1,
          offerId: line.offerId,
          quantity: line.quantity,
          subscriptionId: subscription.id,
          offer: offers.get(line.offerId)!,
          subscription,
        };
        await tx.query(
          'INSERT INTO order_line_items (order_id, line_number, offer_id, quantity, subscription_id) VALUES (?, ?, ?, ?, ?)',
          [order.id, item.lineNumber, line.offerId, line.quantity, subscription.id],
        );
        order.lineItems.push(item);
      }
      return { order, acceptance };
    });
  }

  /**
   * Changes the seat count of a licence-based subscription held through the
   * caller's partner. Its audit event names the subscription's customer once it is found.
   */
  updateSubscriptionQuantity(caller: Caller, request: SeatCountRequest): Promise<Subscription> {
    return this.audit.attempt(
      caller,
      Operation.CHANGE_SEAT_COUNT,
      {},
      (subject) => this.changeSeatCount(caller, request, subject),
      (subscription) => ({ customerId: subscription.customerId }),
    );
  }

  private async changeSeatCount(caller: Caller, request: SeatCountRequest, subject: AuditSubject): Promise<Subscription> {
    requireAccess(caller, Operation.CHANGE_SEAT_COUNT);
    const subscriptionId = requireId(request.subscriptionId, 'input.subscriptionId');
    if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > MAX_SEATS) {
      throw badInput('input.quantity', `must be a seat count from 1 to ${MAX_SEATS}.`);
    }
    return this.db.transaction(async (tx) => {
      // Locks the subscription and the relationship, so the gate and a confirmation do not interleave.
      const [row] = await tx.query(
        `SELECT ${SUBSCRIPTION_COLUMNS}, o.billing_type FROM subscriptions s ` +
          'JOIN partner_customers pc ON pc.partner_id = s.partner_id AND pc.customer_id = s.customer_id ' +
          `JOIN offers o ON o.id = s.offer_id WHERE s.id = ? AND s.partner_id = ?${this.db.forUpdate}`,
        [subscriptionId, caller.partner.id],
      );
      if (!row) throw notFound('Subscription', subscriptionId, 'input.subscriptionId');
      const subscription = subscriptionFromRow(row);
      subject.customerId = subscription.customerId;
      if (row.billing_type !== BillingType.LICENSE) {
        throw badInput('input.quantity', 'a usage-based subscription has no seat count.');
      }
      if (subscription.quantity === request.quantity) return subscription;
      await this.requireGate(caller, subscription.customerId);
      await tx.query('UPDATE subscriptions SET quantity = ? WHERE id = ?', [request.quantity, subscriptionId]);
      return { ...subscription, quantity: request.quantity };
    });
  }

  private async requireGate(caller: Caller, customerId: string): Promise<void> {
    const [status] = await this.customers.statuses(caller, AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, [customerId]);
    requireCanTransact(status);
  }

  /** The offers named, each one known, else NOT_FOUND naming the line. */
  private async offersFor(offerIds: string[]): Promise<Map<string, Offer>> {
    const unique = [...new Set(offerIds)];
    const found = await this.catalogue.offersByIds(unique);
    const offers = new Map(unique.map((id, i) => [id, found[i]]));
    offerIds.forEach((id, i) => {
      if (!offers.get(id)) throw notFound('Offer', id, `input.lineItems[${i}].offerId`);
    });
    return offers as Map<string, Offer>;
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
