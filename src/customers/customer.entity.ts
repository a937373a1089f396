import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { id, instant, references, text } from '../shared/columns';
import { DateTime } from '../shared/scalars';
import { Contact } from './contact';

/** A customer tenant. Partners see it only through a relationship. */
@Entity('customers')
@ObjectType({ simpleResolvers: true })
export class Customer {
  @PrimaryColumn(id())
  @Field(() => ID)
  id!: string;

  @Column(text(200))
  @Field(() => String)
  companyName!: string;

  @Index('ux_customers_domain', { unique: true })
  @Column(text(255))
  @Field(() => String)
  domain!: string;

  @Column(() => Contact, { prefix: 'contact' })
  @Field(() => Contact)
  primaryContact!: Contact;

  /** Lower-cased company name and domain, for the case-insensitive search filter. */
  @Column(text(1000))
  searchText?: string;

  @Column(instant())
  @Field(() => DateTime)
  createdAt!: Date;
}

/**
 * A partner-customer relationship: what makes a customer visible to a partner.
 * Carries the customer's sort key so that a partner's page is one index range.
 */
@Entity('partner_customers')
@Index('ix_partner_customers_page', ['partnerId', 'sortName', 'customerId'])
@Index('ix_partner_customers_customer', ['customerId'])
export class PartnerCustomer {
  @PrimaryColumn(id())
  @ForeignKey('partners', references('fk_partner_customers_partner_id'))
  partnerId!: string;

  @PrimaryColumn(id())
  @ForeignKey('customers', references('fk_partner_customers_customer_id'))
  customerId!: string;

  /** The customer's company name, lower-cased: the listing order (then customer id). */
  @Column(text(400))
  sortName!: string;
}

/** Search text and sort key derived from a customer's names (one home for both). */
export const searchTextOf = (companyName: string, domain: string) => `${companyName}\n${domain}`.toLowerCase();
export const sortNameOf = (companyName: string) => companyName.toLowerCase();
