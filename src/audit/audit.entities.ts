import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { id, instant, integer, text } from '../shared/columns';

/** What every recorded attempt says, chained or not yet. */
abstract class AttemptColumns {
  @Column(id())
  partnerId!: string;

  @Column(instant())
  at!: Date;

  @Column(text(128))
  userId!: string;

  /** Role names, comma-separated, as held by the caller. */
  @Column(text(200))
  rolesHeld!: string;

  @Column(text(32, { nullable: true }))
  roleUsed!: string | null;

  @Column(text(40))
  operation!: string;

  // No foreign key: a refused attempt may name a customer that does not exist.
  @Column(text(64, { nullable: true }))
  customerId!: string | null;

  @Column(text(16))
  outcome!: string;

  @Column(text(64, { nullable: true }))
  code!: string | null;

  @Column(text(64, { nullable: true }))
  acceptanceId!: string | null;

  @Column(text(128, { nullable: true }))
  requestId!: string | null;

  @Column(text(128, { nullable: true }))
  correlationId!: string | null;

  /** What a signatory's answer on the signing page was given with (JSON): the request, document, typed name, time, address hash, user agent. */
  @Column(text(4000, { nullable: true }))
  evidence!: string | null;
}

/** One attempt in its partner's hash chain. Only ever appended. */
@Entity('audit_events')
@Unique('ux_audit_events_sequence', ['partnerId', 'sequence'])
@Index('ix_audit_events_customer', ['partnerId', 'customerId', 'sequence'])
@Index('ix_audit_events_at', ['partnerId', 'at'])
export class ChainedAuditEvent extends AttemptColumns {
  @PrimaryColumn(id())
  id!: string;

  /** Position in the partner's chain, from 1. */
  @Column(integer())
  sequence!: number;

  /** The hash of the partner's previous event (64 zeros for the first). */
  @Column(text(64))
  previousHash!: string;

  /** Hex SHA-256 over this event's fields and `previousHash`. */
  @Column(text(64))
  hash!: string;
}

/** The head of a partner's chain: the row the chaining locks. */
@Entity('audit_chains')
export class AuditChainHead {
  @PrimaryColumn(id())
  partnerId!: string;

  @Column(integer())
  lastSequence!: number;

  @Column(text(64))
  lastHash!: string;
}

/** An attempt recorded with its outcome, waiting to join its partner's chain, in the order recorded. */
@Entity('audit_pending')
@Unique('ux_audit_pending_id', ['id'])
@Index('ix_audit_pending_partner', ['partnerId', 'position'])
export class PendingAuditEvent extends AttemptColumns {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  position!: number;

  @Column(id())
  id!: string;
}
