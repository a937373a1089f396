import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AgreementType } from '../agreements/agreement.entity';
import { Role } from '../auth/roles';
import { Contact } from '../customers/contact';
import { calendarDate, id, instant, integer, references, text } from '../shared/columns';
import { CalendarDate, DateTime } from '../shared/scalars';

export enum AcceptanceMethod {
  CONFIRMATION = 'CONFIRMATION',
  ATTESTATION = 'ATTESTATION',
  CUSTOMER_SIGNED = 'CUSTOMER_SIGNED',
}
registerEnumType(AcceptanceMethod, {
  name: 'AcceptanceMethod',
  valuesConfig: {
    CONFIRMATION: { description: 'The partner confirms that the customer accepted.' },
    ATTESTATION: { description: "The partner attests acceptance on the customer's behalf." },
    CUSTOMER_SIGNED: { description: "The customer's signatory accepted on the signing page." },
  },
});

export enum AcceptanceChannel {
  NEW_CUSTOMER = 'NEW_CUSTOMER',
  EXISTING_CUSTOMER = 'EXISTING_CUSTOMER',
  NEW_ORDER = 'NEW_ORDER',
  IMPORT = 'IMPORT',
  SIGNING_LINK = 'SIGNING_LINK',
}
registerEnumType(AcceptanceChannel, {
  name: 'AcceptanceChannel',
  description: 'Where a confirmation was captured.',
  valuesConfig: { SIGNING_LINK: { description: 'Recorded from an acceptance request.' } },
});

export enum AttestationScenario {
  EXISTING_PARTNER_NEW_PURCHASE = 'EXISTING_PARTNER_NEW_PURCHASE',
  NEW_PARTNER_NEW_PURCHASE = 'NEW_PARTNER_NEW_PURCHASE',
}
registerEnumType(AttestationScenario, {
  name: 'AttestationScenario',
  valuesConfig: {
    EXISTING_PARTNER_NEW_PURCHASE: { description: 'Scenario 1: bought through this partner before, now a new purchase.' },
    NEW_PARTNER_NEW_PURCHASE: { description: 'Scenario 2: bought through another partner before, now buying through this one.' },
  },
});

/** Who recorded an acceptance, and under which of their roles. */
@ObjectType({ simpleResolvers: true, description: 'Who recorded an acceptance, and under which of their roles.' })
export class Recorder {
  @Column(text(128))
  @Field(() => ID)
  userId!: string;

  @Column(text(32))
  @Field(() => Role)
  role!: Role;
}

/** One recorded acceptance. Append-only: never changed or deleted; a newer one supersedes it. */
@Entity('acceptances')
@Index('ix_acceptances_history', ['partnerId', 'customerId', 'agreementType', 'recordedAt'])
@Index('ix_acceptances_customer', ['customerId'])
// Numbers each partner's records of a customer and type 1, 2, 3...: two writers cannot both take the next one.
@Unique('ux_acceptances_sequence', ['partnerId', 'customerId', 'agreementType', 'sequence'])
@ForeignKey('partner_customers', ['partnerId', 'customerId'], ['partnerId', 'customerId'], references('fk_acceptances_relationship'))
@ObjectType({
  simpleResolvers: true,
  description: 'One recorded acceptance. Records are never changed or deleted; a new one supersedes.',
})
export class Acceptance {
  @PrimaryColumn(id())
  @Field(() => ID)
  id!: string;

  @Column(id())
  @Field(() => ID)
  customerId!: string;

  @Column(id())
  @Field(() => ID)
  partnerId!: string;

  @Column(id())
  @ForeignKey('agreement_templates', references('fk_acceptances_template_id'))
  templateId!: string;

  @Column(text(40))
  agreementType!: AgreementType;

  @Column(text(20))
  @Field(() => AcceptanceMethod)
  method!: AcceptanceMethod;

  @Column(text(20))
  @Field(() => AcceptanceChannel)
  channel!: AcceptanceChannel;

  @Column(text(40, { nullable: true }))
  @Field(() => AttestationScenario, { nullable: true, description: 'Set for attestations only.' })
  scenario!: AttestationScenario | null;

  @Column(() => Contact, { prefix: 'accepted_by' })
  @Field(() => Contact, { description: 'The person at the customer who accepted.' })
  acceptedBy!: Contact;

  @Column(calendarDate())
  @Field(() => CalendarDate)
  dateAgreed!: string;

  @Column(() => Recorder, { prefix: 'recorded_by' })
  @Field(() => Recorder)
  recordedBy!: Recorder;

  @Column(instant())
  @Field(() => DateTime)
  recordedAt!: Date;

  /** 1, 2, 3... per partner, customer and agreement type: breaks ties between records of one millisecond. */
  @Column(integer())
  sequence!: number;
}
