import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Customer } from '../customers/customer.entity';
import { AcceptanceInput } from '../customers/customer.inputs';
import { Acceptance } from './acceptance.entity';

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
