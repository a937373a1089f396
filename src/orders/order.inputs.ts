import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Acceptance } from '../acceptances/acceptance.entity';
import { AcceptanceInput } from '../customers/customer.inputs';
import { Order } from './order.entity';
import { Subscription } from './subscription.entity';

@InputType()
export class OrderLineItemInput {
  @Field(() => ID)
  offerId!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Required (1..100000) for licence-based offers; must be absent for usage-based ones.',
  })
  quantity?: number | null;
}

@InputType()
export class CreateOrderInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => [OrderLineItemInput])
  lineItems!: OrderLineItemInput[];

  @Field(() => AcceptanceInput, {
    nullable: true,
    description: 'Confirm acceptance while ordering (channel NEW_ORDER), for a customer not yet confirmed.',
  })
  agreementAcceptance?: AcceptanceInput | null;
}

@ObjectType({ simpleResolvers: true })
export class CreateOrderPayload {
  @Field(() => Order)
  order!: Order;

  @Field(() => Acceptance, { nullable: true })
  acceptance!: Acceptance | null;
}

@InputType()
export class UpdateSubscriptionQuantityInput {
  @Field(() => ID)
  subscriptionId!: string;

  @Field(() => Int)
  quantity!: number;
}

@ObjectType({ simpleResolvers: true })
export class UpdateSubscriptionQuantityPayload {
  @Field(() => Subscription)
  subscription!: Subscription;
}
