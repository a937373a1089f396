import type { Acceptance } from '../../acceptances/acceptance.entity';
import type { AgreementStatus } from '../../status/agreement-status';
import type { AgreementType } from '../../agreements/agreement.entity';
import { type Caller, requireRole } from '../../auth/caller';
import { Operation } from '../../auth/roles';
import type { Customer } from '../../customers/customer.entity';
import { MAX_PAGE_SIZE } from '../../shared/pagination';
import type { Services } from '../../services';
import type { CsvValue } from './csv';

/**
 * The columns of the acceptance status report. Who signed is left out on
 * purpose (no names, e-mail addresses or phone numbers): the report travels
 * further than the records do.
 */
export const ACCEPTANCE_STATUS_COLUMNS = [
  'customerId',
  'companyName',
  'domain',
  'agreementType',
  'status',
  'canTransact',
  'outdatedFrom',
  'templateId',
  'versionRank',
  'method',
  'channel',
  'dateAgreed',
  'recordedByUserId',
  'recordedByRole',
  'recordedAt',
] as const;

export type AcceptanceStatusRow = Readonly<Record<(typeof ACCEPTANCE_STATUS_COLUMNS)[number], CsvValue>>;

function rowOf(customer: Customer, status: AgreementStatus, current: Acceptance | null, versionRank: number | null): AcceptanceStatusRow {
  return {
    customerId: customer.id,
    companyName: customer.companyName,
    domain: customer.domain,
    agreementType: status.type,
    status: status.status,
    canTransact: status.canTransact,
    outdatedFrom: status.outdatedFrom,
    templateId: current?.templateId ?? null,
    versionRank,
    method: current?.method ?? null,
    channel: current?.channel ?? null,
    dateAgreed: current?.dateAgreed ?? null,
    recordedByUserId: current?.recordedBy.userId ?? null,
    recordedByRole: current?.recordedBy.role ?? null,
    recordedAt: current?.recordedAt.toISOString() ?? null,
  };
}

/**
 * Every customer of the caller's partner with its status for one agreement
 * type and the acceptance it rests on, a page at a time, in the order of the
 * `customers` query (company name, then id). The pages come from the same
 * service calls as GraphQL (`customers.list`, `history.byIds`), so the status
 * is the one every other view shows. Needs a role that may read acceptance
 * records. Not a snapshot: a customer added while the report runs may or may
 * not be in it.
 */
export async function* acceptanceStatusPages(
  services: Services,
  caller: Caller,
  type: AgreementType,
): AsyncGenerator<AcceptanceStatusRow[]> {
  requireRole(caller, Operation.READ_ACCEPTANCES);
  const { db } = services;
  const ranks = new Map((await db.read((em) => services.catalogue.templates(em))).map((t) => [t.templateId, t.versionRank]));
  let after: string | null = null;
  do {
    // Each page is a read of its own: the client may take its time between them.
    const { page, records } = await db.read(async (em) => {
      const listed = await services.customers.list(em, caller, { first: MAX_PAGE_SIZE, after, agreementType: type });
      const acceptanceIds = listed.nodes.flatMap((c) => listed.statuses.get(c.id)!.acceptanceId ?? []);
      return { page: listed, records: acceptanceIds.length > 0 ? await services.history.byIds(em, caller, acceptanceIds) : [] };
    });
    const byId = new Map(records.flatMap((a) => (a ? [[a.id, a] as const] : [])));
    yield page.nodes.map((customer) => {
      const status = page.statuses.get(customer.id)!;
      const current = status.acceptanceId ? (byId.get(status.acceptanceId) ?? null) : null;
      return rowOf(customer, status, current, current ? (ranks.get(current.templateId) ?? null) : null);
    });
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after !== null);
}
