import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../auth/roles';
import { DateTime } from '../shared/scalars';

export enum AuditOutcome {
  SUCCEEDED = 'SUCCEEDED',
  REFUSED = 'REFUSED',
  FAILED = 'FAILED',
}
registerEnumType(AuditOutcome, {
  name: 'AuditOutcome',
  valuesConfig: {
    SUCCEEDED: { description: 'Done: what it wrote was committed with the event.' },
    REFUSED: { description: 'Refused by a rule or a role; nothing was written. `code` says which.' },
    FAILED: { description: 'An unexpected error; nothing was written.' },
  },
});

/** One attempted mutation, as the audit trail shows it. */
@ObjectType({ simpleResolvers: true, description: 'One attempted mutation, as recorded. Never changed or deleted.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "Position in the partner's hash chain, from 1." })
  sequence!: number;

  @Field(() => DateTime)
  at!: Date;

  @Field(() => ID)
  partnerId!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => [Role])
  rolesHeld!: Role[];

  @Field(() => Role, { nullable: true })
  roleUsed!: Role | null;

  @Field(() => String)
  operation!: string;

  @Field(() => ID, { nullable: true })
  customerId!: string | null;

  @Field(() => AuditOutcome)
  outcome!: AuditOutcome;

  @Field(() => String, { nullable: true, description: 'The error code for REFUSED and FAILED.' })
  code!: string | null;

  @Field(() => ID, { nullable: true })
  acceptanceId!: string | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => String, { nullable: true })
  correlationId!: string | null;

  @Field(() => String, { description: "Hex SHA-256 over this event and the previous event's hash." })
  hash!: string;
}
