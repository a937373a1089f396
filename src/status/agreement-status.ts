import { Field, ObjectType } from 'type-graphql';
import type { AcceptanceMethod } from '../acceptances/acceptance.entity';
import { AgreementType } from '../agreements/agreement.entity';
import type { CloudInstance } from '../partners/partner.entity';
import { CalendarDate } from '../shared/scalars';
import { AgreementStatusCode, canTransact, type Standing, type StatusBasis, statusOf } from './status';

/** Where a customer stands with the caller's partner for one agreement type. */
@ObjectType({ simpleResolvers: true })
export class AgreementStatus {
  @Field(() => AgreementType)
  type!: AgreementType;

  @Field(() => AgreementStatusCode)
  status!: AgreementStatusCode;

  @Field(() => Boolean, {
    description: 'Whether new orders and licence-count changes are allowed: ACCEPTED or NOT_APPLICABLE.',
  })
  canTransact!: boolean;

  @Field(() => CalendarDate, {
    nullable: true,
    description:
      'The day from which this status becomes OUTDATED under a published re-acceptance rule (or a newer version taking effect); null when no such day is known.',
  })
  outdatedFrom!: string | null;

  @Field(() => Boolean, { description: 'Whether the acceptance the status rests on was signed by the customer itself (CUSTOMER_SIGNED).' })
  customerSigned!: boolean;

  /** The current acceptance's id, for the guarded `acceptance` field; null where the status rests on none. */
  acceptanceId!: string | null;

  /** The customer it is the status of (for `openRequest`). */
  customerId?: string;
}

/** AcceptanceMethod.CUSTOMER_SIGNED as stored (acceptances build on status, so it is named by value). */
const CUSTOMER_SIGNED: `${AcceptanceMethod.CUSTOMER_SIGNED}` = 'CUSTOMER_SIGNED';

/** The status of one customer from its current acceptance (or none) and what every status of the type rests on today. */
export function agreementStatusOf(
  type: AgreementType,
  cloud: CloudInstance,
  current: (Standing & { acceptanceId: string; method: string }) | null,
  basis: StatusBasis,
  customerId?: string,
): AgreementStatus {
  const { status, outdatedFrom } = statusOf(cloud, current, basis);
  const restsOn = status === AgreementStatusCode.NOT_APPLICABLE ? null : current;
  return {
    type,
    status,
    canTransact: canTransact(status),
    outdatedFrom,
    customerSigned: restsOn?.method === CUSTOMER_SIGNED,
    acceptanceId: restsOn?.acceptanceId ?? null,
    customerId,
  };
}
