import { AcceptanceHistory } from './acceptances/acceptance-history';
import { AcceptanceService } from './acceptances/acceptance.service';
import { BulkAcceptances } from './acceptances/bulk.service';
import { AuditTrail } from './audit/audit-trail';
import { CustomerService } from './customers/customer.service';
import { Catalogue } from './orders/catalogue';
import { OrderService } from './orders/order.service';
import type { Config } from './config';
import { IdempotencyService } from './idempotency/idempotency.service';
import type { Clock } from './shared/clock';
import type { Database } from './shared/db';
import type { Logger } from './shared/logger';

/** The services that own the rules; one set per server, shared by GraphQL and every other entry point. */
export interface Services {
  db: Database;
  clock: Clock;
  audit: AuditTrail;
  customers: CustomerService;
  acceptances: AcceptanceService;
  bulk: BulkAcceptances;
  history: AcceptanceHistory;
  catalogue: Catalogue;
  orders: OrderService;
  idempotency: IdempotencyService;
}

export function createServices(db: Database, clock: Clock, config: Pick<Config, 'idempotency'>, logger: Logger): Services {
  const audit = new AuditTrail(db, clock, logger);
  const acceptances = new AcceptanceService(db, clock, audit);
  const customers = new CustomerService(db, clock, audit, acceptances);
  const catalogue = new Catalogue(db);
  return {
    db,
    clock,
    audit,
    customers,
    acceptances,
    bulk: new BulkAcceptances(acceptances, logger),
    history: new AcceptanceHistory(db),
    catalogue,
    orders: new OrderService(db, clock, audit, acceptances, customers, catalogue),
    idempotency: new IdempotencyService(db, clock, config.idempotency),
  };
}
