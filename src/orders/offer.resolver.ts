import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { OpenToAnySignedInCaller } from '../auth/guard';
import type { Context } from '../shared/context';
import { Offer } from './offer.entity';
import { Subscription } from './subscription.entity';

@Resolver()
export class OfferResolver {
  @Query(() => [Offer], { description: 'Offers that can be ordered. Open to any signed-in caller.' })
  @OpenToAnySignedInCaller()
  offers(@Ctx() { services }: Context): Promise<Offer[]> {
    return services.catalogue.offers();
  }
}

@Resolver(() => Subscription)
export class SubscriptionResolver {
  @FieldResolver(() => Offer)
  async offer(@Root() subscription: Subscription, @Ctx() { loaders }: Context): Promise<Offer> {
    return (await loaders.offer.load(subscription.offerId))!;
  }
}
