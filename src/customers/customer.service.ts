import { type AgreementStatus, agreementStatusOf } from '../acceptances/agreement-status';
import { type StatusFilter, statusesCondition, statusesOf } from '../acceptances/status';
import { AgreementType } from '../agreements/agreement.entity';
import { LATEST_TEMPLATE_ID_SQL } from '../agreements/templates';
import type { Caller } from '../auth/caller';
import { randomUUID } from 'node:crypto';
import type { AcceptanceInput } from '../acceptances/acceptance.inputs';
import { AcceptanceChannel } from '../acceptances/acceptance.entity';
import type { AcceptanceService, RecordedAcceptance } from '../acceptances/acceptance.service';
import type { AuditTrail } from '../audit/audit-trail';
import { requireAccess } from '../auth/caller';
import { Operation } from '../auth/roles';
import type { Clock } from '../shared/clock';
import { type Database, instantParam, isUniqueViolation, placeholders, type Row } from '../shared/db';
import { badInput } from '../shared/errors';
import { type ContactInput, validContact } from './contact';
import { countRelationships, statusCounts } from './customer-counts';
import { validCompanyName, validDomain } from './customer-rules';
import { searchTextOf, sortNameOf } from './customer.entity';
import { type Connection, connectionOf, decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize } from '../shared/pagination';
import { requireText } from '../shared/validation';
import type { Customer } from './customer.entity';
import type { Acceptance } from '../acceptances/acceptance.entity';
import { acceptanceColumnsAs, acceptanceFromRow } from '../acceptances/acceptance.rows';
import { CUSTOMER_COLUMNS, customerFromRow } from './customer.rows';

export interface CustomerListArgs extends StatusFilter {
  first?: number | null;
  after?: string | null;
  agreementType?: AgreementType | null;
  search?: string | null;
}

export interface CustomerPage extends Connection<Customer> {
  /** Status of each listed customer for the filter's agreement type, read in the same statement. */
  statuses: Map<string, AgreementStatus>;
  agreementType: AgreementType;
}

export const MAX_PAGE = MAX_PAGE_SIZE;
const DEFAULT_PAGE = 50;

export interface NewCustomer {
  companyName: string;
  domain: string;
  primaryContact: ContactInput;
  agreementAcceptance?: AcceptanceInput | null;
}

/** Customers, always through the caller's partner's relationships. */
export class CustomerService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly acceptances: AcceptanceService,
  ) {}

  /**
   * Creates a customer related to the caller's partner only, optionally
   * confirming acceptance at once (channel NEW_CUSTOMER): both or neither, and
   * one audit event that names the new customer only once it exists.
   */
  create(caller: Caller, input: NewCustomer): Promise<{ customer: Customer; acceptance: Acceptance | null }> {
    return this.audit.attempt(
      caller,
      Operation.CREATE_CUSTOMER,
      {},
      () => this.insert(caller, input),
      (created) => ({ customerId: created.customer.id, acceptanceId: created.acceptance?.id }),
    );
  }

  private async insert(caller: Caller, input: NewCustomer): Promise<{ customer: Customer; acceptance: Acceptance | null }> {
    requireAccess(caller, Operation.CREATE_CUSTOMER);
    const customer: Customer = {
      id: randomUUID(),
      companyName: validCompanyName(input.companyName, 'input.companyName'),
      domain: validDomain(input.domain, 'input.domain'),
      primaryContact: validContact(input.primaryContact, 'input.primaryContact'),
      createdAt: this.clock.now(),
    };
    return this.db.transaction(async (tx) => {
      const domainTaken = () => badInput('input.domain', `${customer.domain} is already registered to a customer.`);
      const [taken] = await tx.query('SELECT id FROM customers WHERE domain = ?', [customer.domain]);
      if (taken) throw domainTaken();
      const c = customer.primaryContact;
      const insert = tx.query(
        'INSERT INTO customers (id, company_name, domain, contact_first_name, contact_last_name, contact_email, ' +
          'contact_phone_number, search_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          customer.id,
          customer.companyName,
          customer.domain,
          c.firstName,
          c.lastName,
          c.email,
          c.phoneNumber,
          searchTextOf(customer.companyName, customer.domain),
          instantParam(tx.dialect, customer.createdAt),
        ],
      );
      // Two creations of one domain at once: the unique key decides, the loser gets the same answer.
      await insert.catch((error: unknown) => {
        throw isUniqueViolation(error) ? domainTaken() : error;
      });
      await tx.query('INSERT INTO partner_customers (partner_id, customer_id, sort_name) VALUES (?, ?, ?)', [
        caller.partner.id,
        customer.id,
        sortNameOf(customer.companyName),
      ]);
      await countRelationships(tx, caller.partner.id, [customer.id]);
      let recorded: RecordedAcceptance | null = null;
      if (input.agreementAcceptance) {
        recorded = await this.acceptances.confirm(
          caller,
          { ...input.agreementAcceptance, customerId: customer.id },
          AcceptanceChannel.NEW_CUSTOMER,
          'input.agreementAcceptance',
        );
      }
      return { customer, acceptance: recorded?.acceptance ?? null };
    });
  }

  /**
   * A page of the partner's customers by company name then id, optionally
   * filtered by status and search text; one statement, plus one for totalCount
   * when it is asked for.
   */
  async list(caller: Caller, args: CustomerListArgs): Promise<CustomerPage> {
    const size = pageSize(args.first, DEFAULT_PAGE, MAX_PAGE);
    const type = args.agreementType ?? AgreementType.MICROSOFT_CUSTOMER_AGREEMENT;
    const filter = { ...args, search: searchTermOf(args.search) };
    const where = this.conditions(caller, type, filter);
    const after = args.after ? decodeCursor(args.after, ['string', 'string']) : null;
    const pageWhere = after
      ? {
          sql: `${where.sql} AND pc.sort_name >= ? AND (pc.sort_name > ? OR pc.customer_id > ?)`,
          params: [...where.params, after[0], after[0], after[1]],
        }
      : where;
    const rows = await this.db.query(
      `SELECT ${CUSTOMER_COLUMNS}, pc.sort_name, ca.acceptance_id, ca.template_id, ${LATEST_TEMPLATE_ID_SQL} AS latest_template_id ` +
        `FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${currentJoin} ` +
        `WHERE ${pageWhere.sql} ORDER BY pc.sort_name, pc.customer_id LIMIT ?`,
      [type, ...pageWhere.params, size + 1],
    );
    const sortNames = new Map<string, string>();
    const statuses = new Map<string, AgreementStatus>();
    const customers = rows.map((row) => {
      const customer = customerFromRow(row);
      sortNames.set(customer.id, row.sort_name as string);
      statuses.set(customer.id, agreementStatusOf(type, caller.partner.cloud, currentRow(row)));
      return customer;
    });
    const page = connectionOf(
      customers,
      size,
      (c) => encodeCursor([sortNames.get(c.id)!, c.id]),
      after !== null,
      () => this.count(caller, type, filter, where),
    );
    // Added to the page itself: spreading it would read (run) its lazy totalCount.
    return Object.assign(page, { statuses, agreementType: type });
  }

  /**
   * The partner's customers among `ids` with their status for one agreement
   * type and the acceptance it rests on, in one statement (what `customer(id)`
   * usually asks for next); null for any customer it cannot see.
   */
  async byIdsWithStatus(
    caller: Caller,
    type: AgreementType,
    ids: readonly string[],
  ): Promise<({ customer: Customer; status: AgreementStatus; acceptance: Acceptance | null } | null)[]> {
    const rows = await this.db.query(
      `SELECT ${CUSTOMER_COLUMNS}, ca.acceptance_id, ca.template_id, ${LATEST_TEMPLATE_ID_SQL} AS latest_template_id, ` +
        `${acceptanceColumnsAs('acceptance_')} FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${currentJoin} ` +
        `LEFT JOIN acceptances a ON a.id = ca.acceptance_id WHERE pc.partner_id = ? AND pc.customer_id IN (${placeholders(ids.length)})`,
      [type, type, caller.partner.id, ...ids],
    );
    const found = new Map(
      rows.map((row) => [
        row.id as string,
        {
          customer: customerFromRow(row),
          status: agreementStatusOf(type, caller.partner.cloud, currentRow(row)),
          acceptance: row.acceptance_id === null || row.acceptance_id === undefined ? null : acceptanceFromRow(row, 'acceptance_'),
        },
      ]),
    );
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Status of each of `ids` for one agreement type, in key order. */
  async statuses(caller: Caller, type: AgreementType, ids: readonly string[]): Promise<AgreementStatus[]> {
    const rows = await this.db.query(
      `SELECT ca.customer_id, ca.acceptance_id, ca.template_id, ${LATEST_TEMPLATE_ID_SQL} AS latest_template_id ` +
        `FROM current_acceptances ca WHERE ca.partner_id = ? AND ca.agreement_type = ? AND ca.customer_id IN (${placeholders(ids.length)})`,
      [type, caller.partner.id, type, ...ids],
    );
    const found = new Map(rows.map((row) => [row.customer_id as string, currentRow(row)]));
    return ids.map((id) => agreementStatusOf(type, caller.partner.cloud, found.get(id) ?? null));
  }

  private conditions(caller: Caller, type: AgreementType, args: CustomerListArgs): { sql: string; params: unknown[] } {
    const sql = ['pc.partner_id = ?'];
    const params: unknown[] = [caller.partner.id];
    const statuses = statusesOf(args);
    if (statuses) {
      const condition = statusesCondition(statuses, caller.partner.cloud, type);
      sql.push(condition.sql);
      params.push(...condition.params);
    }
    if (args.search) {
      sql.push("c.search_text LIKE ? ESCAPE '!'");
      params.push(`%${args.search.replace(/[!%_]/g, (ch) => `!${ch}`)}%`);
    }
    return { sql: sql.join(' AND '), params: [type, ...params] };
  }

  /**
   * totalCount: read from the per-partner counts (a few rows, whatever the
   * partner's size) unless a search is given, which only a scan can answer.
   */
  private async count(caller: Caller, type: AgreementType, args: CustomerListArgs, where: { sql: string; params: unknown[] }): Promise<number> {
    if (!args.search) {
      const counts = await statusCounts(this.db, caller.partner.id, caller.partner.cloud, type);
      const statuses = statusesOf(args);
      return statuses ? statuses.reduce((sum, status) => sum + (counts.get(status) ?? 0), 0) : (counts.get('ALL') ?? 0);
    }
    const [row] = await this.db.query<{ total: number }>(
      `SELECT COUNT(*) AS total FROM partner_customers pc JOIN customers c ON c.id = pc.customer_id ${currentJoin} WHERE ${where.sql}`,
      where.params,
    );
    return Number(row.total);
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

/** The current acceptance of the listed agreement type (bound first, as `?`). */
const currentJoin =
  'LEFT JOIN current_acceptances ca ON ca.partner_id = pc.partner_id AND ca.customer_id = pc.customer_id AND ca.agreement_type = ?';

const currentRow = (row: Row) =>
  row.template_id === null || row.template_id === undefined
    ? null
    : {
        acceptanceId: row.acceptance_id as string,
        templateId: row.template_id as string,
        latestTemplateId: (row.latest_template_id as string | null) ?? null,
      };
