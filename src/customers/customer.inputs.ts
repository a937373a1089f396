import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { AgreementType } from '../agreements/agreement.entity';
import { CalendarDate } from '../shared/scalars';
import { AgreementStatusCode } from '../status/status';
import { ContactInput } from './contact';
import { Customer } from './customer.entity';

@InputType({ description: 'An acceptance captured together with another action (new customer, new order).' })
export class AcceptanceInput {
  @Field(() => ID, { nullable: true, description: 'Default: the latest non-retired Microsoft Customer Agreement template.' })
  templateId?: string | null;

  @Field(() => ContactInput, { nullable: true, description: "Default: the customer's primary contact." })
  acceptedBy?: ContactInput | null;

  @Field(() => CalendarDate)
  dateAgreed!: string;
}

@InputType()
export class CustomerFilter {
  @Field(() => AgreementStatusCode, { nullable: true, description: 'Only customers whose status for agreementType is this.' })
  agreementStatus?: AgreementStatusCode | null;

  @Field(() => [AgreementStatusCode], {
    nullable: true,
    description: 'Only customers whose status is one of these (with agreementStatus, both must hold).',
  })
  agreementStatusIn?: AgreementStatusCode[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Only customers that may (true) or may not (false) transact.' })
  canTransact?: boolean | null;

  @Field(() => AgreementType, { nullable: true, defaultValue: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT })
  agreementType?: AgreementType | null;

  @Field(() => CalendarDate, { nullable: true, description: 'Only customers that may transact now and become OUTDATED on or before this day.' })
  outdatedBy?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of company name or domain.' })
  search?: string | null;
}

@InputType()
export class CreateCustomerInput {
  @Field(() => String)
  companyName!: string;

  @Field(() => String)
  domain!: string;

  @Field(() => ContactInput)
  primaryContact!: ContactInput;

  @Field(() => AcceptanceInput, {
    nullable: true,
    description: 'Confirm acceptance while creating the customer (channel NEW_CUSTOMER).',
  })
  agreementAcceptance?: AcceptanceInput | null;
}

/** Its `acceptance` field is the acceptances' to resolve (see acceptances/acceptance.resolver.ts). */
@ObjectType({ simpleResolvers: true })
export class CreateCustomerPayload {
  @Field(() => Customer)
  customer!: Customer;

  /** The acceptance recorded with the customer, if any. */
  acceptance!: { id: string } | null;
}
