import { Acceptance } from './acceptances/acceptance.entity';
import { AgreementDocument } from './agreements/agreement-document.entity';
import { AgreementTemplate } from './agreements/agreement.entity';
import { ReacceptanceRule } from './agreements/reacceptance-rule.entity';
import { AuditChainHead, ChainedAuditEvent, PendingAuditEvent } from './audit/audit.entities';
import { Customer, PartnerCustomer } from './customers/customer.entity';
import { MysqlIdempotencyKey, SqliteIdempotencyKey } from './idempotency/idempotency-key.entity';
import { JobLease, StatusFanout, WebhookDeliveryRecord, WebhookEndpointRecord } from './notifications/webhook.entities';
import { Offer } from './orders/offer.entity';
import { Order, OrderLineItem } from './orders/order.entity';
import { Subscription } from './orders/subscription.entity';
import { Partner } from './partners/partner.entity';
import { AcceptanceRequest } from './signing/acceptance-request.entity';
import { CurrentAcceptance } from './status/current-acceptance.entity';
import { StatusCount } from './status/status-count.entity';
import { StatusEvent } from './status/status-event.entity';

/** Every TypeORM entity, for a data source on MySQL/MariaDB (`mysql`) or SQLite. */
export const entities = (database: 'mysql' | 'sqlite') => [
  Partner,
  Customer,
  PartnerCustomer,
  AgreementTemplate,
  ReacceptanceRule,
  AgreementDocument,
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
  StatusEvent,
  WebhookEndpointRecord,
  WebhookDeliveryRecord,
  StatusFanout,
  JobLease,
  AcceptanceRequest,
  database === 'mysql' ? MysqlIdempotencyKey : SqliteIdempotencyKey,
];
