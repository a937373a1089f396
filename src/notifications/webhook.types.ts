import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../shared/pagination';
import { DateTime } from '../shared/scalars';
import { StatusEventType } from '../status/status-event.entity';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  RETRYING = 'RETRYING',
  GAVE_UP = 'GAVE_UP',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    RETRYING: { description: 'Failed; another attempt is scheduled (nextAttemptAt).' },
    GAVE_UP: { description: 'Failed every attempt; redeliverWebhookEvent sends it again.' },
  },
});

@ObjectType({ simpleResolvers: true })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: "The event's id: the webhook-id header, the same on every attempt." })
  eventId!: string;

  @Field(() => StatusEventType)
  eventType!: StatusEventType;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt; null when it got no answer.' })
  lastResponseStatus!: number | null;

  @Field(() => DateTime, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field(() => DateTime, { nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => DateTime)
  createdAt!: Date;
}

export const WebhookDeliveryConnection = ConnectionType('WebhookDelivery', WebhookDelivery);

@ObjectType()
export class WebhookEndpoint {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [StatusEventType])
  events!: StatusEventType[];

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => DateTime)
  createdAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field(() => String, { nullable: true, description: 'The signing secret (whsec_...): only in the payload of createWebhookEndpoint and rotateWebhookSecret.' })
  secret!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class DeleteWebhookEndpointPayload {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ simpleResolvers: true })
export class RedeliverWebhookEventPayload {
  @Field(() => WebhookDelivery)
  delivery!: WebhookDelivery;
}

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => String)
  url!: string;

  @Field(() => [StatusEventType])
  events!: StatusEventType[];
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [StatusEventType], { nullable: true })
  events?: StatusEventType[] | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;
}
