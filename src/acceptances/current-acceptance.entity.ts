import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AgreementType } from '../agreements/agreement.entity';

/**
 * The acceptance a status rests on: per partner, customer and agreement type,
 * the one `current-rule.ts` picks. Kept in step with `acceptances` in the same
 * transaction, so that status filters and counts need no scan of the history.
 */
@Entity('current_acceptances')
@Index('ix_current_acceptances_status', ['partnerId', 'agreementType', 'templateId'])
export class CurrentAcceptance {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  partnerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 40 })
  agreementType!: AgreementType;

  @Column({ type: 'varchar', length: 64 })
  acceptanceId!: string;

  @Column({ type: 'varchar', length: 64 })
  templateId!: string;

  @Column({ type: 'int' })
  sequence!: number;
}
