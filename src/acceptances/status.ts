import { registerEnumType } from 'type-graphql';
import { LATEST_TEMPLATE_ID_SQL } from '../agreements/templates';
import { CloudInstance } from '../partners/partner.entity';

export enum AgreementStatusCode {
  ACCEPTED = 'ACCEPTED',
  OUTDATED = 'OUTDATED',
  NOT_ACCEPTED = 'NOT_ACCEPTED',
  NOT_APPLICABLE = 'NOT_APPLICABLE',
}
registerEnumType(AgreementStatusCode, {
  name: 'AgreementStatusCode',
  valuesConfig: {
    ACCEPTED: { description: "The caller's partner holds an acceptance of the latest version." },
    OUTDATED: { description: 'It holds only acceptances of an older version: re-acceptance is needed.' },
    NOT_ACCEPTED: { description: 'It holds no acceptance of this agreement type.' },
    NOT_APPLICABLE: { description: 'The agreement does not apply: the partner is not in the public cloud.' },
  },
});

/** Whether the agreement applies to a partner at all: only in the public cloud. */
export const agreementApplies = (cloud: CloudInstance) => cloud === CloudInstance.PUBLIC;

/**
 * Status per customer, partner and agreement type: ACCEPTED when the current
 * acceptance (see current-rule.ts) is of the latest template, OUTDATED when
 * it is of another one, NOT_ACCEPTED when there is none, NOT_APPLICABLE outside
 * the public cloud.
 */
export function agreementStatus(
  cloud: CloudInstance,
  currentTemplateId: string | null,
  latestTemplateId: string | null,
): AgreementStatusCode {
  if (!agreementApplies(cloud)) return AgreementStatusCode.NOT_APPLICABLE;
  if (currentTemplateId === null) return AgreementStatusCode.NOT_ACCEPTED;
  return currentTemplateId === latestTemplateId ? AgreementStatusCode.ACCEPTED : AgreementStatusCode.OUTDATED;
}

/** New orders and seat changes are allowed when ACCEPTED or NOT_APPLICABLE. */
export const canTransact = (status: AgreementStatusCode) =>
  status === AgreementStatusCode.ACCEPTED || status === AgreementStatusCode.NOT_APPLICABLE;

/**
 * The same rule as a SQL condition over `ca` (current_acceptances, LEFT JOINed
 * for one agreement type), for filtering and counting by status.
 */
export function statusCondition(
  status: AgreementStatusCode,
  cloud: CloudInstance,
  agreementType: string,
): { sql: string; params: unknown[] } {
  if (!agreementApplies(cloud)) {
    return status === AgreementStatusCode.NOT_APPLICABLE ? { sql: '1 = 1', params: [] } : { sql: '1 = 0', params: [] };
  }
  switch (status) {
    case AgreementStatusCode.NOT_APPLICABLE:
      return { sql: '1 = 0', params: [] };
    case AgreementStatusCode.NOT_ACCEPTED:
      return { sql: 'ca.template_id IS NULL', params: [] };
    case AgreementStatusCode.ACCEPTED:
      return { sql: `ca.template_id = ${LATEST_TEMPLATE_ID_SQL}`, params: [agreementType] };
    case AgreementStatusCode.OUTDATED:
      return {
        sql: `ca.template_id IS NOT NULL AND ca.template_id <> COALESCE(${LATEST_TEMPLATE_ID_SQL}, '')`,
        params: [agreementType],
      };
  }
}

/** What a list may be filtered by: one status, any of several, whether the customer may transact. All given must hold. */
export interface StatusFilter {
  agreementStatus?: AgreementStatusCode | null;
  agreementStatusIn?: readonly AgreementStatusCode[] | null;
  canTransact?: boolean | null;
}

/** The statuses a filter lets through, or null when it does not filter by status. */
export function statusesOf(filter: StatusFilter): AgreementStatusCode[] | null {
  const given = [
    filter.agreementStatus ? [filter.agreementStatus] : null,
    filter.agreementStatusIn ?? null,
    filter.canTransact === null || filter.canTransact === undefined ? null : ALL_STATUSES.filter((s) => canTransact(s) === filter.canTransact),
  ].filter((set): set is readonly AgreementStatusCode[] => set !== null);
  if (given.length === 0) return null;
  return ALL_STATUSES.filter((status) => given.every((set) => set.includes(status)));
}

const ALL_STATUSES = Object.values(AgreementStatusCode);

/** The SQL condition for "the status is one of `statuses`" (see statusCondition). */
export function statusesCondition(
  statuses: readonly AgreementStatusCode[],
  cloud: CloudInstance,
  agreementType: string,
): { sql: string; params: unknown[] } {
  const conditions = statuses.map((status) => statusCondition(status, cloud, agreementType));
  if (conditions.length === 0) return { sql: '1 = 0', params: [] };
  if (conditions.length === 1) return conditions[0];
  return { sql: `(${conditions.map((c) => `(${c.sql})`).join(' OR ')})`, params: conditions.flatMap((c) => c.params) };
}
