import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { calendarDate, id, instant, references } from '../shared/columns';

/**
 * A re-acceptance rule of an agreement version: its acceptances dated before
 * `acceptedBefore` count as OUTDATED from `outdatedFrom` on (Partner Center's
 * 2023 refresh re-used one template and went by date). A rule counts only once
 * active: when it is published, every current acceptance is first marked for
 * whether it falls under it, in batches, and then it is activated at once, so
 * that reads, filters and counts agree at every instant.
 */
@Entity('reacceptance_rules')
export class ReacceptanceRule {
  @PrimaryColumn(id())
  @ForeignKey('agreement_templates', references('fk_reacceptance_rules_template_id'))
  templateId!: string;

  @Column(calendarDate())
  acceptedBefore!: string;

  @Column(calendarDate())
  outdatedFrom!: string;

  /** Null while the current acceptances are being marked; the instant it began to count, after. */
  @Column(instant({ nullable: true }))
  activatedAt!: Date | null;
}
