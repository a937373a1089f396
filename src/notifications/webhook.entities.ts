import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { id, instant, integer, references, text } from '../shared/columns';

/** A partner's webhook endpoint: where its events go, signed with its secret. */
@Entity('webhook_endpoints')
@Index('ix_webhook_endpoints_partner', ['partnerId', 'createdAt'])
export class WebhookEndpointRecord {
  @PrimaryColumn(id())
  id!: string;

  @Column(id())
  @ForeignKey('partners', references('fk_webhook_endpoints_partner_id'))
  partnerId!: string;

  @Column(text(2048))
  url!: string;

  /** The event types it takes, comma-separated. */
  @Column(text(200))
  events!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** whsec_...: signs every delivery. */
  @Column(text(100))
  secret!: string;

  /** The secret before the last rotation, which keeps signing until `previousSecretUntil`. */
  @Column(text(100, { nullable: true }))
  previousSecret!: string | null;

  @Column(instant({ nullable: true }))
  previousSecretUntil!: Date | null;

  @Column(instant())
  createdAt!: Date;
}

/** One event sent to one endpoint: every attempt, until it succeeds or is given up. */
@Entity('webhook_deliveries')
@Index('ix_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('ix_webhook_deliveries_order', ['endpointId', 'customerId', 'eventPosition'])
@Index('ix_webhook_deliveries_listing', ['endpointId', 'createdAt'])
export class WebhookDeliveryRecord {
  @PrimaryColumn(id())
  id!: string;

  @Column(id())
  @ForeignKey('status_events', 'id', references('fk_webhook_deliveries_event_id'))
  eventId!: string;

  @Column(id())
  @ForeignKey('webhook_endpoints', references('fk_webhook_deliveries_endpoint_id'))
  endpointId!: string;

  @Column(id())
  customerId!: string;

  /** The event's position: deliveries to one endpoint about one customer go out in this order. */
  @Column(integer())
  eventPosition!: number;

  @Column(text(16))
  status!: 'PENDING' | 'SUCCEEDED' | 'RETRYING' | 'GAVE_UP';

  @Column(integer())
  attempts!: number;

  @Column(integer({ nullable: true }))
  lastResponseStatus!: number | null;

  @Column(instant({ nullable: true }))
  firstAttemptAt!: Date | null;

  @Column(instant({ nullable: true }))
  lastAttemptAt!: Date | null;

  /** When it is due; null once it succeeded or was given up. */
  @Column(instant({ nullable: true }))
  nextAttemptAt!: Date | null;

  /** A process sending it holds it until then; a process that stopped midway lets it go again after it. */
  @Column(instant({ nullable: true }))
  leaseUntil!: Date | null;

  @Column(instant())
  createdAt!: Date;
}

/**
 * A batch job that publishing a version or a rule starts: marking which current
 * acceptances fall under a rule before it counts (MARK), the events of the
 * statuses it will change (WILL_CHANGE, at once) and of those it changes
 * (CHANGED, when its day begins). Written with its cause; run in batches, each
 * its own transaction, by whichever process claims it (the row lock is the claim).
 */
@Entity('status_fanouts')
@Index('ix_status_fanouts_due', ['doneAt', 'dueAt'])
export class StatusFanout {
  @PrimaryColumn(id())
  id!: string;

  /** NEW_VERSION or REACCEPTANCE_RULE. */
  @Column(text(32))
  cause!: string;

  /** MARK, WILL_CHANGE or CHANGED. */
  @Column(text(16))
  step!: string;

  /** The version published, or the one carrying the rule. */
  @Column(id())
  @ForeignKey('agreement_templates', references('fk_status_fanouts_template_id'))
  templateId!: string;

  @Column(text(40))
  agreementType!: string;

  /** The day the change takes effect (for WILL_CHANGE and CHANGED). */
  @Column({ type: 'date', nullable: true })
  effectiveDay!: string | null;

  /** Not before then. */
  @Column(instant())
  dueAt!: Date;

  /** The last (partner, customer) done: the next batch starts after it. */
  @Column(text(64, { nullable: true }))
  cursorPartnerId!: string | null;

  @Column(text(64, { nullable: true }))
  cursorCustomerId!: string | null;

  @Column(instant({ nullable: true }))
  doneAt!: Date | null;

  @Column(instant())
  createdAt!: Date;
}

/** Background work one process does at a time (pruning): who holds it, until when. */
@Entity('job_leases')
export class JobLease {
  @PrimaryColumn(text(64))
  name!: string;

  @Column(text(64))
  holder!: string;

  @Column(instant())
  until!: Date;
}
