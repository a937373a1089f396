import { DirectiveLocation, GraphQLDirective, GraphQLList, GraphQLNonNull, GraphQLSchema, type GraphQLUnionType } from 'graphql';
import { buildSchema as buildTypeGraphQLSchema, type PubSub } from 'type-graphql';
import {
  AcceptanceConnection,
  AcceptanceResolver,
  CurrentAcceptanceResolver,
  CustomerAcceptancesResolver,
  NewCustomerAcceptanceResolver,
} from '../acceptances/acceptance.resolver';
import { bulkResultTypeName } from '../acceptances/bulk.types';
import { AgreementResolver } from '../agreements/agreement.resolver';
import { AuditEventConnection, AuditResolver } from '../audit/audit.resolver';
import { authChecker } from '../auth/guard';
import { CustomerConnection, CustomerResolver } from '../customers/customer.resolver';
import { CustomerSubscriptionsResolver, OfferResolver, SubscriptionResolver } from '../orders/offer.resolver';
import { OrderResolver } from '../orders/order.resolver';
import { ViewerResolver } from '../auth/viewer.resolver';
import { AgreementStatusChangeResolver } from '../notifications/status-change.resolver';
import { WebhookResolver } from '../notifications/webhook.resolver';
import { WebhookDeliveryConnection } from '../notifications/webhook.types';
import { DateTime } from '../shared/scalars';
import { AgreementStatusResolver } from '../status/agreement-status.resolver';
import {
  AcceptanceRequestConnection,
  AcceptanceRequestResolver,
  CustomerAcceptanceRequestsResolver,
  OpenRequestResolver,
} from '../signing/acceptance-request.resolver';

/** `@auth(requires: [Role!]!)`: printed on guarded fields from the role table. */
function authDirective(schema: GraphQLSchema): GraphQLDirective {
  const role = schema.getType('Role');
  if (!role) throw new Error('The Role enum is missing from the schema.');
  return new GraphQLDirective({
    name: 'auth',
    description:
      'Only callers whose token holds at least one of the listed roles may use the field. Every Query and Mutation ' +
      'field carries it, or is open to any signed-in caller and says so in its description.',
    locations: [DirectiveLocation.FIELD_DEFINITION],
    args: { requires: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(role as never))) } },
  });
}

/** type-graphql asks for a PubSub as soon as there is a subscription; each of ours brings its own `subscribe`, so topics are never used. */
const noTopics: PubSub = {
  publish() {
    throw new Error('Subscriptions here have no topics.');
  },
  subscribe() {
    throw new Error('Subscriptions here have no topics.');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** The served schema: resolvers, scalars and the `@auth` directive. Built once per process. */
export function buildSchema(): Promise<GraphQLSchema> {
  return (built ??= (async () => {
    const schema = await buildTypeGraphQLSchema({
      resolvers: [
        ViewerResolver,
        AgreementResolver,
        CustomerResolver,
        CustomerAcceptancesResolver,
        CustomerSubscriptionsResolver,
        AcceptanceResolver,
        NewCustomerAcceptanceResolver,
        AgreementStatusResolver,
        CurrentAcceptanceResolver,
        OfferResolver,
        SubscriptionResolver,
        OrderResolver,
        AuditResolver,
        CustomerConnection.Resolver,
        AcceptanceConnection.Resolver,
        AuditEventConnection.Resolver,
        AcceptanceRequestResolver,
        CustomerAcceptanceRequestsResolver,
        OpenRequestResolver,
        AcceptanceRequestConnection.Resolver,
        AgreementStatusChangeResolver,
        WebhookResolver,
        WebhookDeliveryConnection.Resolver,
      ],
      pubSub: noTopics,
      authChecker,
      scalarsMap: [{ type: Date, scalar: DateTime }],
      validate: false,
    });
    // type-graphql resolves union members asynchronously; compiled execution needs an answer at once.
    (schema.getType('BulkAcceptanceResult') as GraphQLUnionType).resolveType = bulkResultTypeName;
    const config = schema.toConfig();
    return new GraphQLSchema({ ...config, directives: [...config.directives, authDirective(schema)] });
  })());
}
