import { Field, ObjectType } from 'type-graphql';
import { AgreementType } from '../agreements/agreement.entity';
import type { CloudInstance } from '../partners/partner.entity';
import { agreementStatus, AgreementStatusCode, canTransact } from './status';

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

  /** The current acceptance's id, for the guarded `acceptance` field. */
  acceptanceId!: string | null;
}

/** The current acceptance of one customer as stored, with the latest template id of its type. */
export interface CurrentAcceptanceRow {
  acceptanceId: string;
  templateId: string;
  latestTemplateId: string | null;
}

export function agreementStatusOf(
  type: AgreementType,
  cloud: CloudInstance,
  current: CurrentAcceptanceRow | null,
): AgreementStatus {
  const status = agreementStatus(cloud, current?.templateId ?? null, current?.latestTemplateId ?? null);
  return {
    type,
    status,
    canTransact: canTransact(status),
    acceptanceId: status === AgreementStatusCode.NOT_APPLICABLE ? null : (current?.acceptanceId ?? null),
  };
}
