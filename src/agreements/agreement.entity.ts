import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import { calendarDate, id, integer, text } from '../shared/columns';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CalendarDate } from '../shared/scalars';

export enum AgreementType {
  MICROSOFT_CUSTOMER_AGREEMENT = 'MICROSOFT_CUSTOMER_AGREEMENT',
  MICROSOFT_CLOUD_AGREEMENT = 'MICROSOFT_CLOUD_AGREEMENT',
}
registerEnumType(AgreementType, { name: 'AgreementType' });

/** One published version (template) of an agreement. */
@Entity('agreement_templates')
// One template per rank and type: which acceptance a status rests on depends on the ranks.
@Unique('ux_agreement_templates_rank', ['type', 'versionRank'])
@ObjectType('Agreement', {
  description: 'Agreement metadata: one published version (template) of an agreement.',
  simpleResolvers: true,
})
export class AgreementTemplate {
  @PrimaryColumn({ ...id(), name: 'id' })
  @Field(() => ID)
  templateId!: string;

  @Column(text(40))
  @Field(() => AgreementType)
  type!: AgreementType;

  @Column(text(500))
  @Field(() => String)
  agreementLink!: string;

  @Column(integer())
  @Field(() => Int, { description: 'Higher is newer. The latest non-retired version of a type is the one to accept.' })
  versionRank!: number;

  @Column(calendarDate())
  @Field(() => CalendarDate, { description: 'Acceptance dates before this day are rejected.' })
  effectiveDate!: string;

  @Column({ type: 'boolean' })
  @Field(() => Boolean, { description: 'A retired template can no longer be accepted.' })
  retired!: boolean;
}
