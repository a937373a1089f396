import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { id, instant, integer, references, text } from '../shared/columns';
import { DateTime } from '../shared/scalars';
import { Offer } from './offer.entity';
import { Subscription } from './subscription.entity';

/** An order: one subscription per line item. */
@Entity('orders')
@Index('ix_orders_customer', ['customerId', 'partnerId'])
@ForeignKey('partner_customers', ['partnerId', 'customerId'], ['partnerId', 'customerId'], references('fk_orders_relationship'))
@ObjectType({ simpleResolvers: true })
export class Order {
  @PrimaryColumn(id())
  @Field(() => ID)
  id!: string;

  @Column(id())
  @Field(() => ID)
  customerId!: string;

  @Column(id())
  @Field(() => ID)
  partnerId!: string;

  @Column(text(128))
  createdBy!: string;

  @Column(instant())
  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => [OrderLineItem])
  lineItems!: OrderLineItem[];
}

@Entity('order_line_items')
@ObjectType({ simpleResolvers: true })
export class OrderLineItem {
  @PrimaryColumn(id())
  @ForeignKey('orders', references('fk_order_line_items_order_id'))
  orderId!: string;

  @PrimaryColumn(integer())
  lineNumber!: number;

  @Column(id())
  @ForeignKey('offers', references('fk_order_line_items_offer_id'))
  offerId!: string;

  @Column(integer({ nullable: true }))
  @Field(() => Int, { nullable: true })
  quantity!: number | null;

  @Index('ux_order_line_items_subscription', { unique: true })
  @Column(id())
  @ForeignKey('subscriptions', references('fk_order_line_items_subscription_id'))
  subscriptionId!: string;

  @Field(() => Offer)
  offer!: Offer;

  @Field(() => Subscription)
  subscription!: Subscription;
}
