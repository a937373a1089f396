import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Guarded } from '../auth/guard';
import { Operation } from '../auth/roles';
import type { Context } from '../graphql/context';
import {
  CreateOrderInput,
  CreateOrderPayload,
  UpdateSubscriptionQuantityInput,
  UpdateSubscriptionQuantityPayload,
} from './order.inputs';

@Resolver()
export class OrderResolver {
  @Mutation(() => CreateOrderPayload)
  @Guarded(Operation.CREATE_ORDER)
  createOrder(
    @Arg('input', () => CreateOrderInput) input: CreateOrderInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<CreateOrderPayload> {
    return services.orders.createOrder(em, caller, input);
  }

  @Mutation(() => UpdateSubscriptionQuantityPayload)
  @Guarded(Operation.CHANGE_SEAT_COUNT)
  async updateSubscriptionQuantity(
    @Arg('input', () => UpdateSubscriptionQuantityInput) input: UpdateSubscriptionQuantityInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<UpdateSubscriptionQuantityPayload> {
    return { subscription: await services.orders.updateSubscriptionQuantity(em, caller, input) };
  }
}
