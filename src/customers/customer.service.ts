import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AgreementCatalogue } from '../agreements/agreement-catalogue';
import { AgreementType } from '../agreements/agreement.entity';
import type { AuditTrail } from '../audit/audit-trail';
import { type Caller, requireAccess } from '../auth/caller';
import { Operation } from '../auth/roles';
import type { Clock } from '../shared/clock';
import { badInput, notFound } from '../shared/errors';
import { type Connection, connectionOf, decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize } from '../shared/pagination';
import { isUniqueViolation } from '../shared/unit-of-work';
import { requireId, requireText } from '../shared/validation';
import { type AgreementStatus, agreementStatusOf } from '../status/agreement-status';
import { type Condition, outdatedBy, outdatedByCondition, type StatusBasis, type StatusFilter, statusesCondition, statusesOf, statusOf } from '../status/status';
import type { StatusRepository } from '../status/status.repository';
import { type ContactInput, validContact } from './contact';
import { validCompanyName, validDomain } from './customer-rules';
import { Customer, PartnerCustomer, searchTextOf, sortNameOf } from './customer.entity';
import type { AcceptanceInput } from './customer.inputs';
import type { CustomerRepository, PageQuery } from './customer.repository';

export interface CustomerListArgs extends StatusFilter {
  first?: number | null;
  after?: string | null;
  agreementType?: AgreementType | null;
  search?: string | null;
  /** Only customers that may transact now and become OUTDATED on or before this day. */
  outdatedBy?: string | null;
}

export interface CustomerPage extends Connection<Customer> {
  /** Status of each listed customer for the filter's agreement type, read in the same statement. */
  statuses: Map<string, AgreementStatus>;
  agreementType: AgreementType;
}

const DEFAULT_PAGE = 50;

/** The page query's columns the status rule reads. */
const STANDING = { templateId: 'ca.templateId', acceptedBeforeRule: 'ca.acceptedBeforeRule' };

export interface NewCustomer {
  companyName: string;
  domain: string;
  primaryContact: ContactInput;
  agreementAcceptance?: AcceptanceInput | null;
}

/** Records the acceptance a new customer comes with (channel NEW_CUSTOMER), within the customer's own attempt. */
export type NewCustomerAcceptance = (em: EntityManager, caller: Caller, customerId: string, input: AcceptanceInput, path: string) => Promise<{ id: string }>;

/** Customers, always through the caller's partner's relationships. */
export class CustomerService {
  /** Set where the services are put together: acceptances sit above customers. */
  recordAcceptance: NewCustomerAcceptance | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly catalogue: AgreementCatalogue,
    private readonly customers: CustomerRepository,
    private readonly statuses: StatusRepository,
  ) {}

  /**
   * Creates a customer related to the caller's partner only, optionally
   * confirming acceptance at once (channel NEW_CUSTOMER): both or neither, and
   * one audit event that names the new customer only once it exists.
   */
  create(em: EntityManager, caller: Caller, input: NewCustomer): Promise<{ customer: Customer; acceptance: { id: string } | null }> {
    return this.audit.attempt(
      em,
      caller,
      Operation.CREATE_CUSTOMER,
      {},
      (tx) => this.insert(tx, caller, input),
      (created) => ({ customerId: created.customer.id, acceptanceId: created.acceptance?.id }),
    );
  }

  private async insert(em: EntityManager, caller: Caller, input: NewCustomer): Promise<{ customer: Customer; acceptance: { id: string } | null }> {
    requireAccess(caller, Operation.CREATE_CUSTOMER);
    const customer = Object.assign(new Customer(), {
      id: randomUUID(),
      companyName: validCompanyName(input.companyName, 'input.companyName'),
      domain: validDomain(input.domain, 'input.domain'),
      primaryContact: validContact(input.primaryContact, 'input.primaryContact'),
      createdAt: this.clock.now(),
    });
    customer.searchText = searchTextOf(customer.companyName, customer.domain);
    const domainTaken = () => badInput('input.domain', `${customer.domain} is already registered to a customer.`);
    if (await this.customers.ownerOfDomain(em, customer.domain)) throw domainTaken();
    // Two creations of one domain at once: the unique key decides, the loser gets the same answer.
    await this.customers.insert(em, [customer]).catch((error: unknown) => {
      throw isUniqueViolation(error) ? domainTaken() : error;
    });
    await this.relate(em, caller.partner.id, [customer]);
    const acceptance =
      input.agreementAcceptance && this.recordAcceptance
        ? await this.recordAcceptance(em, caller, customer.id, input.agreementAcceptance, 'input.agreementAcceptance')
        : null;
    return { customer, acceptance };
  }

  /** Relates customers to a partner, counting each as without an acceptance until one is recorded. */
  async relate(em: EntityManager, partnerId: string, customers: readonly Pick<Customer, 'id' | 'companyName'>[]): Promise<void> {
    await this.customers.relate(
      em,
      customers.map((c) => Object.assign(new PartnerCustomer(), { partnerId, customerId: c.id, sortName: sortNameOf(c.companyName) })),
    );
    await this.statuses.related(em, partnerId, customers.map((c) => c.id));
  }

  /**
   * A page of the partner's customers by company name then id, optionally
   * filtered by status and search text; one statement, plus one for totalCount
   * when it is asked for.
   */
  async list(em: EntityManager, caller: Caller, args: CustomerListArgs): Promise<CustomerPage> {
    const size = pageSize(args.first, DEFAULT_PAGE, MAX_PAGE_SIZE);
    const type = args.agreementType ?? AgreementType.MICROSOFT_CUSTOMER_AGREEMENT;
    const basis = await this.catalogue.basis(em, type);
    const { cloud } = caller.partner;
    const statuses = statusesOf(args);
    const after = args.after ? decodeCursor(args.after, ['string', 'string']) : null;
    const conditions = [
      statuses ? statusesCondition(statuses, cloud, basis, STANDING) : null,
      args.outdatedBy ? outdatedByCondition(args.outdatedBy, cloud, basis, STANDING) : null,
    ].filter((c): c is Condition => c !== null);
    const query: PageQuery = {
      partnerId: caller.partner.id,
      agreementType: type,
      limit: size + 1,
      after: after ? { sortName: String(after[0]), customerId: String(after[1]) } : null,
      search: searchTermOf(args.search),
      status: conditions.length === 0 ? null : { sql: conditions.map((c) => `(${c.sql})`).join(' AND '), params: Object.assign({}, ...conditions.map((c) => c.params)) },
    };
    const rows = await this.customers.page(em, query);
    const sortNames = new Map(rows.map((row) => [row.customerId, row.sortName]));
    const page = connectionOf(
      rows.map((row) => row.customer),
      size,
      (c) => encodeCursor([sortNames.get(c.id)!, c.id]),
      after !== null,
      () => this.count(em, caller, query, (status) => (!statuses || statuses.includes(status.status)) && (!args.outdatedBy || outdatedBy(status, args.outdatedBy)), basis),
    );
    const byCustomer = new Map(rows.map((row) => [row.customerId, agreementStatusOf(type, cloud, row.current, basis, row.customerId)]));
    // Added to the page itself: spreading it would read (run) its lazy totalCount.
    return Object.assign(page, { statuses: byCustomer, agreementType: type });
  }

  /**
   * The status of one customer of the caller's partner for one agreement type;
   * NOT_FOUND when the customer is unknown or has no relationship with the partner.
   */
  async statusOfCustomer(em: EntityManager, caller: Caller, type: AgreementType, customerId: string, field = 'customerId'): Promise<AgreementStatus> {
    const id = requireId(customerId, field);
    const related = (await this.customers.relationships(em, [id])).some((r) => r.partnerId === caller.partner.id);
    if (!related) throw notFound('Customer', id, field);
    return (await this.statusesOf(em, caller, type, [id]))[0];
  }

  /** Status of each of `ids` for one agreement type, in key order. */
  async statusesOf(em: EntityManager, caller: Caller, type: AgreementType, ids: readonly string[]): Promise<AgreementStatus[]> {
    const basis = await this.catalogue.basis(em, type);
    const currents = new Map((await this.statuses.currentsOf(em, caller.partner.id, type, ids)).map((c) => [c.customerId, c]));
    return ids.map((id) => agreementStatusOf(type, caller.partner.cloud, currents.get(id) ?? null, basis, id));
  }

  /**
   * totalCount: read from the per-partner status counts (a few rows, whatever
   * the partner's size) unless a search is given, which only a scan can answer.
   * The customers of one count row share a standing, so they share a status:
   * a row counts in full when the status rule lets that status through `passes`.
   */
  private async count(em: EntityManager, caller: Caller, query: PageQuery, passes: (status: ReturnType<typeof statusOf>) => boolean, basis: StatusBasis): Promise<number> {
    if (query.search) return this.customers.count(em, query);
    const rows = await this.statuses.perStanding(em, caller.partner.id, query.agreementType);
    return rows.reduce((sum, row) => {
      const standing = row.templateId === null ? null : { templateId: row.templateId, acceptedBeforeRule: row.acceptedBeforeRule };
      return passes(statusOf(caller.partner.cloud, standing, basis)) ? sum + row.customers : sum;
    }, 0);
  }
}

/**
 * The search text as `search_text` holds it (trimmed, lower-cased), or null for
 * none: an empty or blank search filters nothing, the same either way.
 */
function searchTermOf(search: string | null | undefined): string | null {
  if (search === null || search === undefined || search.trim() === '') return null;
  return requireText(search, 'filter.search', 200).toLowerCase();
}
