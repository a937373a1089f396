import { registerEnumType } from 'type-graphql';
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

export const ALL_STATUSES: readonly AgreementStatusCode[] = Object.values(AgreementStatusCode);

/** Whether the agreement applies to a partner at all: only in the public cloud. */
export const agreementApplies = (cloud: CloudInstance) => cloud === CloudInstance.PUBLIC;

/** New orders and seat changes are allowed when ACCEPTED or NOT_APPLICABLE. */
export const canTransact = (status: AgreementStatusCode) =>
  status === AgreementStatusCode.ACCEPTED || status === AgreementStatusCode.NOT_APPLICABLE;

/**
 * THE status rule, the one every read, filter, count and report goes by.
 * Per customer, partner and agreement type: NOT_APPLICABLE outside the public
 * cloud; NOT_ACCEPTED without a current acceptance (`currentTemplateId` null);
 * ACCEPTED when the current acceptance (see acceptances/current-rule.ts) is of
 * the latest template (`latestTemplateId`, see agreements/agreement-catalogue.ts);
 * OUTDATED otherwise, also when no version is published any more.
 */
export function statusOf(cloud: CloudInstance, currentTemplateId: string | null, latestTemplateId: string | null): AgreementStatusCode {
  if (!agreementApplies(cloud)) return AgreementStatusCode.NOT_APPLICABLE;
  if (currentTemplateId === null) return AgreementStatusCode.NOT_ACCEPTED;
  return currentTemplateId === latestTemplateId ? AgreementStatusCode.ACCEPTED : AgreementStatusCode.OUTDATED;
}

/** A condition for TypeORM's query builder, with its named parameters. */
export interface Condition {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * The same rule as a condition over the current template column `column`
 * (NULL where there is no current acceptance): "the status is one of `statuses`".
 */
export function statusesCondition(
  statuses: readonly AgreementStatusCode[],
  cloud: CloudInstance,
  latestTemplateId: string | null,
  column: string,
): Condition {
  const params = { latestTemplateId };
  const one = (status: AgreementStatusCode): string => {
    if (!agreementApplies(cloud)) return status === AgreementStatusCode.NOT_APPLICABLE ? '1 = 1' : '1 = 0';
    switch (status) {
      case AgreementStatusCode.NOT_APPLICABLE:
        return '1 = 0';
      case AgreementStatusCode.NOT_ACCEPTED:
        return `${column} IS NULL`;
      case AgreementStatusCode.ACCEPTED:
        return latestTemplateId === null ? '1 = 0' : `${column} = :latestTemplateId`;
      case AgreementStatusCode.OUTDATED:
        return latestTemplateId === null ? `${column} IS NOT NULL` : `(${column} IS NOT NULL AND ${column} <> :latestTemplateId)`;
    }
  };
  const parts = [...new Set(statuses)].map(one);
  if (parts.length === 0) return { sql: '1 = 0', params };
  return { sql: parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`, params };
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

/**
 * How many customers are in each status, from the counts of customers per
 * current template (null: none), by the same rule.
 */
export function countByStatus(
  cloud: CloudInstance,
  perTemplate: readonly { templateId: string | null; customers: number }[],
  latestTemplateId: string | null,
): Map<AgreementStatusCode, number> {
  const counts = new Map<AgreementStatusCode, number>(ALL_STATUSES.map((s) => [s, 0]));
  for (const { templateId, customers } of perTemplate) {
    const status = statusOf(cloud, templateId, latestTemplateId);
    counts.set(status, counts.get(status)! + customers);
  }
  return counts;
}
