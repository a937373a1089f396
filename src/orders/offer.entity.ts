import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum BillingType {
  LICENSE = 'LICENSE',
  USAGE = 'USAGE',
}
registerEnumType(BillingType, {
  name: 'BillingType',
  valuesConfig: {
    LICENSE: { description: 'Licence-based: has a seat count.' },
    USAGE: { description: 'Usage-based (e.g. Azure plan): no seat count.' },
  },
});

/** A product that can be ordered. */
@Entity('offers')
@ObjectType({ simpleResolvers: true })
export class Offer {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  @Field(() => ID)
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  @Field(() => String)
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  @Field(() => BillingType)
  billingType!: BillingType;
}
