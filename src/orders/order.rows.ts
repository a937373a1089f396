import { instantValue, type Row } from '../shared/db';
import type { Offer } from './offer.entity';
import type { Subscription } from './subscription.entity';

export const SUBSCRIPTION_COLUMNS = 's.id, s.customer_id, s.partner_id, s.offer_id, s.quantity, s.auto_renew, s.created_at';

export const subscriptionFromRow = (row: Row): Subscription => ({
  id: row.id as string,
  customerId: row.customer_id as string,
  partnerId: row.partner_id as string,
  offerId: row.offer_id as string,
  quantity: row.quantity === null ? null : Number(row.quantity),
  autoRenew: Boolean(row.auto_renew),
  createdAt: instantValue(row.created_at),
});

export const offerFromRow = (row: Row): Offer => ({
  id: row.id as string,
  name: row.name as string,
  billingType: row.billing_type as Offer['billingType'],
});
