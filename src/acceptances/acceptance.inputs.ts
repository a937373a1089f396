import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ContactInput } from '../customers/contact';
import { Customer } from '../customers/customer.entity';
import { CalendarDate } from '../shared/scalars';
import { Acceptance } from './acceptance.entity';

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
export class ConfirmAcceptanceInput extends AcceptanceInput {
  @Field(() => ID)
  customerId!: string;
}

@InputType()
export class AttestAcceptanceInput extends AcceptanceInput {
  @Field(() => ID)
  customerId!: string;
}

@ObjectType({ simpleResolvers: true })
export class AcceptancePayload {
  @Field(() => Acceptance)
  acceptance!: Acceptance;

  @Field(() => Customer)
  customer!: Customer;
}
