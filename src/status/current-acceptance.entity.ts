import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import type { AgreementType } from '../agreements/agreement.entity';
import { calendarDate, id, integer, references, text } from '../shared/columns';

/**
 * The acceptance a status rests on: per partner, customer and agreement type,
 * the one `current-rule.ts` picks. Kept in step with `acceptances` in the same
 * transaction, so that status filters and counts need no scan of the history.
 */
@Entity('current_acceptances')
@Index('ix_current_acceptances_status', ['partnerId', 'agreementType', 'templateId'])
@ForeignKey('partner_customers', ['partnerId', 'customerId'], ['partnerId', 'customerId'], references('fk_current_acceptances_relationship'))
export class CurrentAcceptance {
  @PrimaryColumn(id())
  partnerId!: string;

  @PrimaryColumn(id())
  customerId!: string;

  @PrimaryColumn(text(40))
  agreementType!: AgreementType;

  @Column(id())
  @ForeignKey('acceptances', references('fk_current_acceptances_acceptance_id'))
  acceptanceId!: string;

  @Column(id())
  @ForeignKey('agreement_templates', references('fk_current_acceptances_template_id'))
  templateId!: string;

  /** The record's date agreed (a re-acceptance rule goes by it). */
  @Column(calendarDate())
  dateAgreed!: string;

  /** The record's method: how it was given (whether the customer signed itself). */
  @Column(text(20))
  method!: string;

  /** Whether the record falls under its version's re-acceptance rule (dated before the rule's date). */
  @Column({ type: 'boolean', default: false })
  acceptedBeforeRule!: boolean;

  /** The last sequence number given to the partner's records of the customer and type (the next record takes the next). */
  @Column(integer())
  lastSequence!: number;
}
