import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTime } from '../shared/scalars';
import { Offer } from './offer.entity';
import { Subscription } from './subscription.entity';

/** An order: one subscription per line item. */
@Entity('orders')
@Index('ix_orders_customer', ['customerId', 'partnerId'])
@ObjectType({ simpleResolvers: true })
export class Order {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  @Field(() => ID)
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  @Field(() => ID)
  customerId!: string;

  @Column({ type: 'varchar', length: 64 })
  @Field(() => ID)
  partnerId!: string;

  @Column({ type: 'varchar', length: 128 })
  createdBy!: string;

  @Column({ type: 'datetime', precision: 3 })
  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => [OrderLineItem])
  lineItems!: OrderLineItem[];
}

@Entity('order_line_items')
@ObjectType({ simpleResolvers: true })
export class OrderLineItem {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  orderId!: string;

  @PrimaryColumn({ type: 'int' })
  lineNumber!: number;

  @Column({ type: 'varchar', length: 64 })
  offerId!: string;

  @Column({ type: 'int', nullable: true })
  @Field(() => Int, { nullable: true })
  quantity!: number | null;

  @Index('ux_order_line_items_subscription', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  subscriptionId!: string;

  @Field(() => Offer)
  offer!: Offer;

  @Field(() => Subscription)
  subscription!: Subscription;
}
