import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { registerEnumType } from 'type-graphql';
import { id, instant, text } from '../shared/columns';

export enum StatusEventType {
  ACCEPTANCE_RECORDED = 'ACCEPTANCE_RECORDED',
  AGREEMENT_STATUS_CHANGED = 'AGREEMENT_STATUS_CHANGED',
  AGREEMENT_STATUS_WILL_CHANGE = 'AGREEMENT_STATUS_WILL_CHANGE',
  ACCEPTANCE_REQUEST_UPDATED = 'ACCEPTANCE_REQUEST_UPDATED',
}
registerEnumType(StatusEventType, {
  name: 'WebhookEventType',
  valuesConfig: {
    ACCEPTANCE_RECORDED: { description: 'An acceptance was recorded (any method or channel).' },
    AGREEMENT_STATUS_CHANGED: {
      description: "A customer's status changed, for whatever reason: an acceptance, a new version, a re-acceptance rule taking effect.",
    },
    AGREEMENT_STATUS_WILL_CHANGE: { description: "A customer's status got an outdatedFrom day (a rule or version was published)." },
    ACCEPTANCE_REQUEST_UPDATED: { description: 'An acceptance request was accepted, declined, expired or cancelled.' },
  },
});

/**
 * The outbox: every recorded acceptance and every status change, whatever its
 * cause, written in the same transaction as the cause, and delivered from
 * here after the commit (webhooks, live subscriptions). `body` is the webhook
 * body, made once, so that every attempt signs the same bytes.
 */
@Entity('status_events')
@Unique('ux_status_events_id', ['id'])
@Index('ix_status_events_dispatch', ['dispatched', 'position'])
@Index('ix_status_events_customer', ['partnerId', 'customerId', 'position'])
export class StatusEvent {
  /** The order events were recorded in (what delivery in order per customer follows). */
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  position!: number;

  /** The webhook-id: the same on every attempt and redelivery. */
  @Column(id())
  id!: string;

  @Column(id())
  partnerId!: string;

  @Column(id())
  customerId!: string;

  @Column(text(40))
  agreementType!: string;

  @Column(text(40))
  type!: StatusEventType;

  /** `{ "type", "timestamp", "data" }` as JSON. */
  @Column({ type: 'text', charset: 'utf8mb4', collation: 'utf8mb4_bin' })
  body!: string;

  @Column(instant())
  occurredAt!: Date;

  /** Whether its deliveries to the partner's webhook endpoints have been made. */
  @Column({ type: 'boolean', default: false })
  dispatched!: boolean;
}
