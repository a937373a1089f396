import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { OpenToAnySignedInCaller } from '../auth/guard';
import { Customer } from '../customers/customer.entity';
import type { Context } from '../graphql/context';
import { Offer } from './offer.entity';
import { Subscription } from './subscription.entity';

@Resolver()
export class OfferResolver {
  @Query(() => [Offer], { description: 'Offers that can be ordered. Open to any signed-in caller.' })
  @OpenToAnySignedInCaller()
  offers(@Ctx() { em, services }: Context): Promise<Offer[]> {
    return services.orders.offers(em);
  }
}

@Resolver(() => Subscription)
export class SubscriptionResolver {
  @FieldResolver(() => Offer)
  async offer(@Root() subscription: Subscription, @Ctx() { loaders }: Context): Promise<Offer> {
    return (await loaders.offer.load(subscription.offerId))!;
  }
}

@Resolver(() => Customer)
export class CustomerSubscriptionsResolver {
  @FieldResolver(() => [Subscription], { description: "Subscriptions this customer holds through the caller's partner." })
  subscriptions(@Root() customer: Customer, @Ctx() { loaders }: Context): Promise<Subscription[]> {
    return loaders.subscriptions.load(customer.id);
  }
}
