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
 * What every status of one agreement type rests on today, besides each
 * customer's current acceptance (see agreements/agreement-catalogue.ts).
 */
export interface StatusBasis {
  /** The version to accept today: non-retired, in effect, highest rank; null when none. */
  latestTemplateId: string | null;
  /** The latest version's active re-acceptance rule, if any: acceptances under it are OUTDATED from `outdatedFrom`. */
  rule: { outdatedFrom: string } | null;
  /** The day the next version (of higher rank) takes effect, when one is published for later; null when none. */
  nextVersionFrom: string | null;
  /** Today's date in UTC+14 (YYYY-MM-DD). */
  today: string;
}

/** What a status rests on of the customer itself: its current acceptance, or none. */
export interface Standing {
  templateId: string;
  /** Whether the acceptance falls under its version's re-acceptance rule. */
  acceptedBeforeRule: boolean;
}

/**
 * THE status rule, the one every read, filter, count and report goes by.
 * Per customer, partner and agreement type: NOT_APPLICABLE outside the public
 * cloud; NOT_ACCEPTED without a current acceptance (see
 * acceptances/current-rule.ts); ACCEPTED when it is of the latest version and
 * not under that version's re-acceptance rule in effect; OUTDATED otherwise
 * (also when no version is published any more). `outdatedFrom`: the day an
 * ACCEPTED status becomes OUTDATED, when a rule or a newer version says so.
 */
export function statusOf(cloud: CloudInstance, current: Standing | null, basis: StatusBasis): { status: AgreementStatusCode; outdatedFrom: string | null } {
  if (!agreementApplies(cloud)) return { status: AgreementStatusCode.NOT_APPLICABLE, outdatedFrom: null };
  if (current === null) return { status: AgreementStatusCode.NOT_ACCEPTED, outdatedFrom: null };
  const underRule = basis.rule !== null && current.acceptedBeforeRule;
  if (current.templateId !== basis.latestTemplateId || (underRule && basis.rule!.outdatedFrom <= basis.today)) {
    return { status: AgreementStatusCode.OUTDATED, outdatedFrom: null };
  }
  const days = [basis.nextVersionFrom, underRule ? basis.rule!.outdatedFrom : null].filter((day): day is string => day !== null);
  return { status: AgreementStatusCode.ACCEPTED, outdatedFrom: days.length > 0 ? days.sort()[0] : null };
}

/** A condition for TypeORM's query builder, with its named parameters. */
export interface Condition {
  sql: string;
  params: Record<string, unknown>;
}

/** The columns a condition reads: the current template (NULL without a current acceptance) and the rule flag. */
export interface StandingColumns {
  templateId: string;
  acceptedBeforeRule: string;
}

/** The rule's ACCEPTED as SQL (see statusOf). */
function acceptedSql(basis: StatusBasis, columns: StandingColumns): string | null {
  if (basis.latestTemplateId === null) return null;
  const ruleInEffect = basis.rule !== null && basis.rule.outdatedFrom <= basis.today;
  return `${columns.templateId} = :latestTemplateId${ruleInEffect ? ` AND ${columns.acceptedBeforeRule} = 0` : ''}`;
}

/** The same rule as a condition over the standing columns: "the status is one of `statuses`". */
export function statusesCondition(statuses: readonly AgreementStatusCode[], cloud: CloudInstance, basis: StatusBasis, columns: StandingColumns): Condition {
  const params = { latestTemplateId: basis.latestTemplateId };
  const accepted = acceptedSql(basis, columns);
  const one = (status: AgreementStatusCode): string => {
    if (!agreementApplies(cloud)) return status === AgreementStatusCode.NOT_APPLICABLE ? '1 = 1' : '1 = 0';
    switch (status) {
      case AgreementStatusCode.NOT_APPLICABLE:
        return '1 = 0';
      case AgreementStatusCode.NOT_ACCEPTED:
        return `${columns.templateId} IS NULL`;
      case AgreementStatusCode.ACCEPTED:
        return accepted ?? '1 = 0';
      case AgreementStatusCode.OUTDATED:
        return accepted ? `(${columns.templateId} IS NOT NULL AND NOT (${accepted}))` : `${columns.templateId} IS NOT NULL`;
    }
  };
  const parts = [...new Set(statuses)].map(one);
  if (parts.length === 0) return { sql: '1 = 0', params };
  return { sql: parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`, params };
}

/** "May transact now, and becomes OUTDATED on or before `day`": the `outdatedBy` filter. */
export const outdatedBy = (status: { outdatedFrom: string | null }, day: string): boolean => status.outdatedFrom !== null && status.outdatedFrom <= day;

/** The same as outdatedBy, as a condition over the standing columns. */
export function outdatedByCondition(day: string, cloud: CloudInstance, basis: StatusBasis, columns: StandingColumns): Condition {
  const params = { latestTemplateId: basis.latestTemplateId };
  const accepted = agreementApplies(cloud) ? acceptedSql(basis, columns) : null;
  if (!accepted) return { sql: '1 = 0', params };
  if (basis.nextVersionFrom !== null && basis.nextVersionFrom <= day) return { sql: accepted, params };
  if (basis.rule !== null && basis.rule.outdatedFrom > basis.today && basis.rule.outdatedFrom <= day) {
    return { sql: `${accepted} AND ${columns.acceptedBeforeRule} = 1`, params };
  }
  return { sql: '1 = 0', params };
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
 * standing (templateId null: no current acceptance), by the same rule.
 */
export function countByStatus(
  cloud: CloudInstance,
  perStanding: readonly { templateId: string | null; acceptedBeforeRule: boolean; customers: number }[],
  basis: StatusBasis,
): Map<AgreementStatusCode, number> {
  const counts = new Map<AgreementStatusCode, number>(ALL_STATUSES.map((s) => [s, 0]));
  for (const { templateId, acceptedBeforeRule, customers } of perStanding) {
    const { status } = statusOf(cloud, templateId === null ? null : { templateId, acceptedBeforeRule }, basis);
    counts.set(status, counts.get(status)! + customers);
  }
  return counts;
}
