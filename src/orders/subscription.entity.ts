import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTime } from '../shared/scalars';

/** A subscription a customer holds through one partner. */
@Entity('subscriptions')
@Index('ix_subscriptions_customer', ['customerId', 'partnerId'])
@ObjectType('ProductSubscription', { simpleResolvers: true })
export class Subscription {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  @Field(() => ID)
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  @Field(() => ID)
  customerId!: string;

  @Column({ type: 'varchar', length: 64 })
  @Field(() => ID)
  partnerId!: string;

  @Column({ type: 'varchar', length: 64 })
  offerId!: string;

  @Column({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Seat count; null for usage-based offers.' })
  quantity!: number | null;

  @Column({ type: 'boolean' })
  @Field(() => Boolean)
  autoRenew!: boolean;

  @Column({ type: 'datetime', precision: 3 })
  @Field(() => DateTime)
  createdAt!: Date;
}
