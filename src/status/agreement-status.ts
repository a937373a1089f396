import { Field, ObjectType } from 'type-graphql';
import { AgreementType } from '../agreements/agreement.entity';
import type { CloudInstance } from '../partners/partner.entity';
import { AgreementStatusCode, canTransact, statusOf } from './status';

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

  /** The current acceptance's id, for the guarded `acceptance` field; null where the status rests on none. */
  acceptanceId!: string | null;
}

/** The status of one customer from its current acceptance (or none) and the latest template of the type. */
export function agreementStatusOf(
  type: AgreementType,
  cloud: CloudInstance,
  current: { acceptanceId: string; templateId: string } | null,
  latestTemplateId: string | null,
): AgreementStatus {
  const status = statusOf(cloud, current?.templateId ?? null, latestTemplateId);
  return {
    type,
    status,
    canTransact: canTransact(status),
    acceptanceId: status === AgreementStatusCode.NOT_APPLICABLE ? null : (current?.acceptanceId ?? null),
  };
}
