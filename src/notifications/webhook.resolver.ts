import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Guarded } from '../auth/guard';
import { Operation } from '../auth/roles';
import type { Context } from '../graphql/context';
import type { Connection } from '../shared/pagination';
import {
  CreateWebhookEndpointInput,
  DeleteWebhookEndpointPayload,
  RedeliverWebhookEventPayload,
  UpdateWebhookEndpointInput,
  type WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointPayload,
} from './webhook.types';

@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  @Query(() => [WebhookEndpoint], { nullable: true, description: "The caller's partner's endpoints." })
  @Guarded(Operation.MANAGE_WEBHOOKS)
  webhookEndpoints(@Ctx() { caller, em, services }: Context): Promise<WebhookEndpoint[]> {
    return services.webhooks.list(em, caller);
  }

  @Mutation(() => WebhookEndpointPayload)
  @Guarded(Operation.MANAGE_WEBHOOKS)
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<WebhookEndpointPayload> {
    return services.webhooks.create(em, caller, input);
  }

  @Mutation(() => WebhookEndpointPayload)
  @Guarded(Operation.MANAGE_WEBHOOKS)
  updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() { caller, em, services }: Context,
  ): Promise<WebhookEndpointPayload> {
    return services.webhooks.update(em, caller, input);
  }

  @Mutation(() => DeleteWebhookEndpointPayload)
  @Guarded(Operation.MANAGE_WEBHOOKS)
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() { caller, em, services }: Context): Promise<DeleteWebhookEndpointPayload> {
    return services.webhooks.delete(em, caller, id);
  }

  @Mutation(() => WebhookEndpointPayload, { description: 'A new secret; the old one keeps verifying for 24 hours.' })
  @Guarded(Operation.MANAGE_WEBHOOKS)
  rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() { caller, em, services }: Context): Promise<WebhookEndpointPayload> {
    return services.webhooks.rotate(em, caller, id);
  }

  @Mutation(() => RedeliverWebhookEventPayload, { description: 'Sends the event of this delivery again, as a new delivery with the same webhook-id.' })
  @Guarded(Operation.MANAGE_WEBHOOKS)
  redeliverWebhookEvent(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() { caller, em, services }: Context): Promise<RedeliverWebhookEventPayload> {
    return services.webhooks.redeliver(em, caller, deliveryId);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Newest first.' })
  deliveries(
    @Root() endpoint: WebhookEndpoint,
    @Ctx() { em, services }: Context,
    @Arg('status', () => [WebhookDeliveryStatus], { nullable: true }) status: WebhookDeliveryStatus[] | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<Connection<WebhookDelivery>> {
    return services.webhooks.deliveries(em, endpoint.id, { status, first, after });
  }
}
