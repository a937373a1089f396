import { type EntityManager, In, type SelectQueryBuilder } from 'typeorm';
import { insertRows } from '../shared/insert-rows';
import { oneToOneRows } from '../shared/joined-rows';
import { forUpdate } from '../shared/locking';
import { CurrentAcceptance } from '../status/current-acceptance.entity';
import type { Condition } from '../status/status';
import { Customer, PartnerCustomer } from './customer.entity';

/** A page's position: after this sort key and customer id. */
export interface PageCursor {
  sortName: string;
  customerId: string;
}

export interface PageQuery {
  partnerId: string;
  agreementType: string;
  /** Rows to read: the page size plus one, which tells that another page follows. */
  limit: number;
  after: PageCursor | null;
  /** Lower-cased text to find in company name or domain. */
  search: string | null;
  /** A condition on the current template column (see status/status.ts), or none. */
  status: Condition | null;
}

/** What the page query reads of one customer: its relationship, with the customer and its current acceptance of the type. */
export type RelatedCustomer = PartnerCustomer & { customer: Customer; current: CurrentAcceptance | null };

const PAGE_ROOT = { alias: 'pc', entity: PartnerCustomer };
const PAGE_JOINS = { customer: { alias: 'c', entity: Customer }, current: { alias: 'ca', entity: CurrentAcceptance } };

/** Customers, and the relationships that make them visible to partners. */
export class CustomerRepository {
  /** The customer if it is related to the partner, its relationship row locked for this transaction (one writer per partner and customer). */
  async lockRelated(em: EntityManager, partnerId: string, customerId: string): Promise<Customer | null> {
    const qb = forUpdate(
      em
        .createQueryBuilder(Customer, 'c')
        .innerJoin(PartnerCustomer, 'pc', 'pc.customerId = c.id AND pc.partnerId = :partnerId', { partnerId })
        .where('c.id = :customerId', { customerId }),
    );
    return (await oneToOneRows(em, qb, 'lockRelated', { alias: 'c', entity: Customer }))[0] ?? null;
  }

  /**
   * A page of the partner's customers by sort key, each with its current
   * acceptance of one type: one statement. The cursor is written so that the
   * page is one range of ix_partner_customers_page.
   */
  page(em: EntityManager, query: PageQuery): Promise<RelatedCustomer[]> {
    const qb = this.related(em, query);
    if (query.after) {
      qb.andWhere('pc.sortName >= :sortName AND (pc.sortName > :sortName OR pc.customerId > :customerId)', query.after);
    }
    qb.orderBy('pc.sortName').addOrderBy('pc.customerId').limit(query.limit);
    const shape = `page|${query.limit}|${query.after ? 'after' : ''}|${query.search ? 'search' : ''}|${query.status?.sql ?? ''}`;
    return oneToOneRows(em, qb, shape, PAGE_ROOT, PAGE_JOINS) as Promise<RelatedCustomer[]>;
  }

  /** How many of the partner's customers the query's search and status let through (a search can only be counted). */
  count(em: EntityManager, query: PageQuery): Promise<number> {
    return this.related(em, query).getCount();
  }

  /** The partner's customers among `ids`. */
  related_(em: EntityManager, partnerId: string, ids: readonly string[]): Promise<Customer[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(Customer, 'c')
      .innerJoin(PartnerCustomer, 'pc', 'pc.customerId = c.id AND pc.partnerId = :partnerId', { partnerId })
      .where('c.id IN (:...ids)', { ids })
      .getMany();
  }

  /** The id of the customer registered with a domain, if any. */
  async ownerOfDomain(em: EntityManager, domain: string): Promise<string | null> {
    const found = await em.createQueryBuilder(Customer, 'c').select('c.id').where('c.domain = :domain', { domain }).getOne();
    return found?.id ?? null;
  }

  byIds(em: EntityManager, ids: readonly string[]): Promise<Customer[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.findBy(Customer, { id: In([...ids]) });
  }

  byDomains(em: EntityManager, domains: readonly string[]): Promise<Customer[]> {
    return domains.length === 0 ? Promise.resolve([]) : em.findBy(Customer, { domain: In([...domains]) });
  }

  /** Relationships among the given (partner, customer) pairs. */
  relationships(em: EntityManager, customerIds: readonly string[]): Promise<PartnerCustomer[]> {
    return customerIds.length === 0 ? Promise.resolve([]) : em.findBy(PartnerCustomer, { customerId: In([...customerIds]) });
  }

  insert(em: EntityManager, customers: readonly Customer[]): Promise<unknown> {
    return insertRows(em, Customer, customers);
  }

  update(em: EntityManager, id: string, changes: Partial<Customer>): Promise<unknown> {
    return em.update(Customer, { id }, changes);
  }

  relate(em: EntityManager, relationships: readonly PartnerCustomer[]): Promise<unknown> {
    return insertRows(em, PartnerCustomer, relationships);
  }

  /** The customer's sort key in every relationship (its company name changed). */
  resort(em: EntityManager, customerId: string, sortName: string): Promise<unknown> {
    return em.update(PartnerCustomer, { customerId }, { sortName });
  }

  private related(em: EntityManager, query: PageQuery): SelectQueryBuilder<PartnerCustomer> {
    const qb = em
      .createQueryBuilder(PartnerCustomer, 'pc')
      .innerJoinAndMapOne('pc.customer', Customer, 'c', 'c.id = pc.customerId')
      .leftJoinAndMapOne(
        'pc.current',
        CurrentAcceptance,
        'ca',
        'ca.partnerId = pc.partnerId AND ca.customerId = pc.customerId AND ca.agreementType = :agreementType',
        { agreementType: query.agreementType },
      )
      .where('pc.partnerId = :partnerId', { partnerId: query.partnerId });
    if (query.status) qb.andWhere(query.status.sql, query.status.params);
    if (query.search) qb.andWhere("c.searchText LIKE :term ESCAPE '!'", { term: `%${query.search.replace(/[!%_]/g, (ch) => `!${ch}`)}%` });
    return qb;
  }
}
