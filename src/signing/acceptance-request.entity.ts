import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { AgreementType } from '../agreements/agreement.entity';
import { Recorder } from '../acceptances/acceptance.entity';
import { Contact } from '../customers/contact';
import { calendarDate, id, instant, integer, references, text } from '../shared/columns';
import { DateTime } from '../shared/scalars';

export enum AcceptanceRequestStatus {
  PENDING = 'PENDING',
  SIGNED = 'SIGNED',
  FINALIZED = 'FINALIZED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(AcceptanceRequestStatus, {
  name: 'AcceptanceRequestStatus',
  valuesConfig: {
    PENDING: { description: 'Sent; no answer yet, and the link has not expired.' },
    SIGNED: { description: 'The signatory accepted; waiting for the partner to finalize (finalize: BY_PARTNER).' },
    FINALIZED: { description: 'The acceptance is recorded.' },
    DECLINED: { description: 'The signatory declined.' },
    EXPIRED: { description: 'The link expired before an answer.' },
    CANCELLED: { description: 'The partner withdrew the request.' },
  },
});

export enum FinalizeMode {
  AUTOMATIC = 'AUTOMATIC',
  BY_PARTNER = 'BY_PARTNER',
}
registerEnumType(FinalizeMode, {
  name: 'FinalizeMode',
  valuesConfig: {
    AUTOMATIC: { description: 'The acceptance is recorded the moment the signatory accepts.' },
    BY_PARTNER: { description: 'The partner records it with finalizeAcceptanceRequest.' },
  },
});

/**
 * A partner's request that the customer's signatory accept an agreement version
 * through a link. The link's token is never stored: only its SHA-256 (hex).
 * EXPIRED is never stored either: a PENDING request whose `expiresAt` has passed
 * reads as EXPIRED everywhere (see `statusAt`).
 */
@Entity('acceptance_requests')
@Index('ix_acceptance_requests_customer', ['partnerId', 'customerId', 'createdAt'])
@Unique('ux_acceptance_requests_token_hash', ['tokenHash'])
@ForeignKey('partner_customers', ['partnerId', 'customerId'], ['partnerId', 'customerId'], references('fk_acceptance_requests_relationship'))
@ObjectType('AcceptanceRequest', { simpleResolvers: true })
export class AcceptanceRequest {
  @PrimaryColumn(id())
  @Field(() => ID)
  id!: string;

  @Column(id())
  partnerId!: string;

  @Column(id())
  customerId!: string;

  @Column(id())
  @ForeignKey('agreement_templates', references('fk_acceptance_requests_template_id'))
  templateId!: string;

  @Column(text(40))
  agreementType!: AgreementType;

  @Column(() => Contact, { prefix: 'signatory' })
  @Field(() => Contact)
  signatory!: Contact;

  @Column(text(2))
  @Field(() => String)
  country!: string;

  @Column(text(35))
  @Field(() => String)
  language!: string;

  /** As stored: PENDING, SIGNED, FINALIZED, DECLINED or CANCELLED. Read through `statusAt`. */
  @Column(text(16))
  status!: AcceptanceRequestStatus;

  @Column(text(16))
  @Field(() => FinalizeMode)
  finalize!: FinalizeMode;

  /** `displayUri` of the version's document for the request's country and language: what the page shows. */
  @Column(text(2048))
  documentUri!: string;

  /** SHA-256 (hex) of the link's token. */
  @Column(text(64))
  tokenHash!: string;

  @Column(instant())
  @Field(() => DateTime)
  expiresAt!: Date;

  @Column(instant())
  @Field(() => DateTime)
  createdAt!: Date;

  @Column(() => Recorder, { prefix: 'created_by' })
  @Field(() => Recorder)
  createdBy!: Recorder;

  @Column(instant({ nullable: true }))
  @Field(() => DateTime, { nullable: true, description: 'When the signatory accepted or declined.' })
  answeredAt!: Date | null;

  @Column(text(1000, { nullable: true }))
  @Field(() => String, { nullable: true, description: 'The reason given with a decline.' })
  declineReason!: string | null;

  /** The signatory's local date sent with the acceptance: the acceptance's `dateAgreed`. */
  @Column(calendarDate({ nullable: true }))
  dateAgreed!: string | null;

  /** Evidence of the answer: the document the page showed. */
  @Column(text(2048, { nullable: true }))
  evidenceDocumentUri!: string | null;

  /** Evidence: the full name the signatory typed. */
  @Column(text(300, { nullable: true }))
  evidenceTypedName!: string | null;

  /** Evidence: HMAC-SHA256 (hex) of the client address under the signing secret. */
  @Column(text(64, { nullable: true }))
  evidenceClientAddressHash!: string | null;

  /** Evidence: the browser's User-Agent (at most 512 characters). */
  @Column(text(512, { nullable: true }))
  evidenceUserAgent!: string | null;

  /** The acceptance recorded from this request, once FINALIZED. */
  @Column(id({ nullable: true }))
  acceptanceId!: string | null;

  /** Whether the current link is to be e-mailed to the signatory, when it was sent (once per link), and the failed sends so far. */
  @Column({ type: 'boolean', default: false })
  emailRequested!: boolean;

  @Column(instant({ nullable: true }))
  emailSentAt!: Date | null;

  @Column(integer())
  emailAttempts!: number;
}

/** The status as callers see it: a PENDING request whose link has expired is EXPIRED. */
export const statusAt = (request: Pick<AcceptanceRequest, 'status' | 'expiresAt'>, now: Date): AcceptanceRequestStatus =>
  request.status === AcceptanceRequestStatus.PENDING && request.expiresAt.getTime() <= now.getTime() ? AcceptanceRequestStatus.EXPIRED : request.status;

/** Whether the request still counts as open (PENDING before its expiry, or SIGNED). */
export const isOpen = (request: Pick<AcceptanceRequest, 'status' | 'expiresAt'>, now: Date): boolean =>
  [AcceptanceRequestStatus.PENDING, AcceptanceRequestStatus.SIGNED].includes(statusAt(request, now));
