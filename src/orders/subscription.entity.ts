import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { id, instant, integer, references } from '../shared/columns';
import { DateTime } from '../shared/scalars';

/** A subscription a customer holds through one partner. */
@Entity('subscriptions')
@Index('ix_subscriptions_customer', ['customerId', 'partnerId'])
@ForeignKey('partner_customers', ['partnerId', 'customerId'], ['partnerId', 'customerId'], references('fk_subscriptions_relationship'))
@ObjectType('ProductSubscription', { simpleResolvers: true })
export class Subscription {
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
  @ForeignKey('offers', references('fk_subscriptions_offer_id'))
  offerId!: string;

  @Column(integer({ nullable: true }))
  @Field(() => Int, { nullable: true, description: 'Seat count; null for usage-based offers.' })
  quantity!: number | null;

  @Column({ type: 'boolean' })
  @Field(() => Boolean)
  autoRenew!: boolean;

  @Column(instant())
  @Field(() => DateTime)
  createdAt!: Date;
}
