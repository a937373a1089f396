import { Acceptance } from './acceptances/acceptance.entity';
import { CurrentAcceptance } from './acceptances/current-acceptance.entity';
import { AgreementTemplate } from './agreements/agreement.entity';
import { Customer, PartnerCustomer } from './customers/customer.entity';
import { Offer } from './orders/offer.entity';
import { Order, OrderLineItem } from './orders/order.entity';
import { Subscription } from './orders/subscription.entity';
import { Partner } from './partners/partner.entity';
import { AuditChainHead, ChainedAuditEvent, PendingAuditEvent } from './audit/audit.entities';
import { CurrentAcceptanceCount, RelationshipCount } from './customers/count.entities';

/** Every TypeORM entity, for the data source. */
export const entities = [
  Partner,
  Customer,
  PartnerCustomer,
  AgreementTemplate,
  Offer,
  Subscription,
  Order,
  OrderLineItem,
  Acceptance,
  CurrentAcceptance,
  RelationshipCount,
  CurrentAcceptanceCount,
  ChainedAuditEvent,
  AuditChainHead,
  PendingAuditEvent,
];
