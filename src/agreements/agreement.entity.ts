import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CalendarDate } from '../shared/scalars';

export enum AgreementType {
  MICROSOFT_CUSTOMER_AGREEMENT = 'MICROSOFT_CUSTOMER_AGREEMENT',
  MICROSOFT_CLOUD_AGREEMENT = 'MICROSOFT_CLOUD_AGREEMENT',
}
registerEnumType(AgreementType, { name: 'AgreementType' });

/** One published version (template) of an agreement. */
@Entity('agreement_templates')
@ObjectType('Agreement', {
  description: 'Agreement metadata: one published version (template) of an agreement.',
  simpleResolvers: true,
})
export class AgreementTemplate {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  @Field(() => ID)
  templateId!: string;

  @Column({ type: 'varchar', length: 40 })
  @Field(() => AgreementType)
  type!: AgreementType;

  @Column({ type: 'varchar', length: 500 })
  @Field(() => String)
  agreementLink!: string;

  @Column({ type: 'int' })
  @Field(() => Int, { description: 'Higher is newer. The latest non-retired version of a type is the one to accept.' })
  versionRank!: number;

  @Column({ type: 'date' })
  @Field(() => CalendarDate, { description: 'Acceptance dates before this day are rejected.' })
  effectiveDate!: string;

  @Column({ type: 'boolean' })
  @Field(() => Boolean, { description: 'A retired template can no longer be accepted.' })
  retired!: boolean;
}
