import { Field, InputType, ObjectType } from 'type-graphql';
import { Acceptance } from '../acceptances/acceptance.entity';
import { AcceptanceInput } from '../acceptances/acceptance.inputs';
import { AgreementStatusCode } from '../acceptances/status';
import { AgreementType } from '../agreements/agreement.entity';
import { ContactInput } from './contact';
import { Customer } from './customer.entity';

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

@ObjectType({ simpleResolvers: true })
export class CreateCustomerPayload {
  @Field(() => Customer)
  customer!: Customer;

  @Field(() => Acceptance, { nullable: true })
  acceptance!: Acceptance | null;
}
