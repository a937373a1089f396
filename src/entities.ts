import { Acceptance } from './acceptances/acceptance.entity';
import { AgreementTemplate } from './agreements/agreement.entity';
import { AuditChainHead, ChainedAuditEvent, PendingAuditEvent } from './audit/audit.entities';
import { Customer, PartnerCustomer } from './customers/customer.entity';
import { MysqlIdempotencyKey, SqliteIdempotencyKey } from './idempotency/idempotency-key.entity';
import { Offer } from './orders/offer.entity';
import { Order, OrderLineItem } from './orders/order.entity';
import { Subscription } from './orders/subscription.entity';
import { Partner } from './partners/partner.entity';
import { CurrentAcceptance } from './status/current-acceptance.entity';
import { StatusCount } from './status/status-count.entity';

/** Every TypeORM entity, for a data source on MySQL/MariaDB (`mysql`) or SQLite. */
export const entities = (database: 'mysql' | 'sqlite') => [
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
  StatusCount,
  ChainedAuditEvent,
  AuditChainHead,
  PendingAuditEvent,
  database === 'mysql' ? MysqlIdempotencyKey : SqliteIdempotencyKey,
];
