import { Column, Entity, PrimaryColumn } from 'typeorm';
import { id, text } from '../shared/columns';
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
  @PrimaryColumn(id())
  @Field(() => ID)
  id!: string;

  @Column(text(200))
  @Field(() => String)
  name!: string;

  @Column(text(20))
  @Field(() => BillingType)
  billingType!: BillingType;
}
