import { AcceptanceHistory } from './acceptances/acceptance-history';
import { AcceptanceChannel } from './acceptances/acceptance.entity';
import { AcceptanceRepository } from './acceptances/acceptance.repository';
import { AcceptanceService } from './acceptances/acceptance.service';
import { BulkAcceptances } from './acceptances/bulk.service';
import { AgreementCatalogue } from './agreements/agreement-catalogue';
import { AgreementRepository } from './agreements/agreement.repository';
import { AuditRepository } from './audit/audit.repository';
import { AuditTrail } from './audit/audit-trail';
import { ImportService } from './imports/import.service';
import type { Config } from './config';
import { CustomerRepository } from './customers/customer.repository';
import { CustomerService } from './customers/customer.service';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { IdempotencyService } from './idempotency/idempotency.service';
import { OrderRepository } from './orders/order.repository';
import { OrderService } from './orders/order.service';
import { PartnerRepository } from './partners/partner.repository';
import type { Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import type { Database } from './shared/unit-of-work';
import { FanoutRepository } from './notifications/fanout.repository';
import { FanoutService } from './notifications/fanout.service';
import { notificationsConfigFrom } from './notifications/notifications-config';
import { WebhookRepository } from './notifications/webhook.repository';
import { createWebhookSender } from './notifications/webhook-sender';
import { WebhookService } from './notifications/webhook.service';
import { Outbox } from './status/outbox';
import { StatusEventRepository } from './status/status-event.repository';
import { StatusRepository } from './status/status.repository';
import { AcceptanceRequestRepository } from './signing/acceptance-request.repository';
import { AcceptanceRequestService } from './signing/acceptance-request.service';
import { type SigningConfig, signingConfigFrom } from './signing/signing-config';
import { SigningMailer } from './signing/signing-mailer';

/** The services that own the rules, and the repositories they read and write through; one set per server or CLI run. */
export interface Services {
  db: Database;
  clock: Clock;
  catalogue: AgreementCatalogue;
  partners: PartnerRepository;
  audit: AuditTrail;
  auditRecords: AuditRepository;
  customers: CustomerService;
  acceptances: AcceptanceService;
  bulk: BulkAcceptances;
  history: AcceptanceHistory;
  orders: OrderService;
  idempotency: IdempotencyService;
  imports: ImportService;
  outbox: Outbox;
  fanouts: FanoutService;
  acceptanceRequests: AcceptanceRequestService;
  /** Null without SMTP_URL: e-mail is not configured. */
  signingMailer: SigningMailer | null;
  signing: SigningConfig;
  webhooks: WebhookService;
}

export function createServices(
  db: Database,
  clock: Clock,
  config: Pick<Config, 'idempotency' | 'agreementCacheMs'> & Partial<Pick<Config, 'notifications' | 'signing'>>,
  logger: Logger,
): Services {
  const partners = new PartnerRepository();
  const agreements = new AgreementRepository();
  const catalogue = new AgreementCatalogue(agreements, clock, config.agreementCacheMs);
  const statusEvents = new StatusEventRepository();
  const outbox = new Outbox(db, statusEvents, clock);
  const webhooks = webhookService(db, clock, statusEvents, config, logger);
  // Events just committed go out at once; the service's poll picks up those of other processes.
  outbox.onCommitted(() => webhooks.nudge());
  const auditRecords = new AuditRepository();
  const audit = new AuditTrail(db, auditRecords, clock, logger);
  const customerRecords = new CustomerRepository();
  const statuses = new StatusRepository();
  const acceptanceRecords = new AcceptanceRepository();
  const customers = new CustomerService(clock, audit, catalogue, customerRecords, statuses);
  const acceptances = new AcceptanceService(clock, audit, catalogue, acceptanceRecords, customerRecords, statuses, outbox);
  const fanouts = new FanoutService(db, clock, catalogue, agreements, partners, new FanoutRepository(), statuses, outbox, logger);
  // A new customer's acceptance is recorded by the acceptances, which build on customers.
  customers.recordAcceptance = async (em, caller, customerId, input, path) =>
    (await acceptances.confirmWithin(em, caller, { ...input, customerId }, AcceptanceChannel.NEW_CUSTOMER, path)).acceptance;
  const orderRecords = new OrderRepository();
  const signing = config.signing ?? signingConfigFrom({});
  const requestRecords = new AcceptanceRequestRepository();
  const signingMailer = signing.mail ? new SigningMailer(db, requestRecords, { baseUrl: signing.baseUrl, mail: signing.mail }, clock, logger) : null;
  const acceptanceRequests = new AcceptanceRequestService(db, clock, audit, catalogue, acceptances, customerRecords, requestRecords, signing, signingMailer, logger);
  return {
    db,
    clock,
    catalogue,
    partners,
    audit,
    auditRecords,
    customers,
    acceptances,
    bulk: new BulkAcceptances(acceptances, logger),
    history: new AcceptanceHistory(acceptanceRecords),
    orders: new OrderService(clock, audit, acceptances, customers, customerRecords, orderRecords),
    idempotency: new IdempotencyService(db, new IdempotencyRepository(), clock, config.idempotency),
    imports: new ImportService(db, clock, catalogue, partners, agreements, customerRecords, customers, orderRecords, acceptances, fanouts),
    outbox,
    fanouts,
    acceptanceRequests,
    signingMailer,
    signing,
    webhooks,
  };
}

function webhookService(db: Database, clock: Clock, events: StatusEventRepository, config: Partial<Pick<Config, 'notifications'>>, logger: Logger): WebhookService {
  // Without a configuration (tools that deliver nothing): the production policy.
  const { webhooks } = config.notifications ?? notificationsConfigFrom({}, true);
  const send = createWebhookSender({ policy: { allowLocal: webhooks.allowLocalDestinations }, timeoutMs: webhooks.timeoutMs });
  return new WebhookService(db, clock, new WebhookRepository(), events, send, webhooks, logger);
}
