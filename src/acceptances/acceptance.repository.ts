import { type EntityManager, In, type SelectQueryBuilder } from 'typeorm';
import type { AgreementType } from '../agreements/agreement.entity';
import { Customer, PartnerCustomer } from '../customers/customer.entity';
import { insertRows } from '../shared/insert-rows';
import { oneToOneRows } from '../shared/joined-rows';
import { CurrentAcceptance } from '../status/current-acceptance.entity';
import { Acceptance } from './acceptance.entity';

/** The record a status rests on, with the last sequence number given to the history it is part of. */
export type Current = CurrentAcceptance & { acceptance: Acceptance };

/** A page of history: newest first, after a cursor. */
export interface HistoryPage {
  type: AgreementType | null;
  /** Records to read per customer: the page size plus one. */
  limit: number;
  /** Recorded before this, or at the same instant with a lower sequence, or the same sequence and a lower id. */
  after: { recordedAt: Date; sequence: number; id: string } | null;
}

/** A customer as `customer(id)` reads it: with its current acceptance of one type, and that record. */
const WITH_CURRENT = {
  customer: { alias: 'c', entity: Customer },
  current: { alias: 'ca', entity: CurrentAcceptance },
  acceptance: { alias: 'a', entity: Acceptance },
};

export type CustomerWithCurrent = PartnerCustomer & { customer: Customer; current: CurrentAcceptance | null; acceptance: Acceptance | null };

/** Acceptance records, append-only, and the pointer to the one each status rests on. */
export class AcceptanceRepository {
  /** The record the partner's status for the customer and type rests on, or null when there is none. */
  async current(em: EntityManager, partnerId: string, customerId: string, agreementType: string): Promise<Current | null> {
    return (await this.currents(em, [{ partnerId, customerId, agreementType }]))[0] ?? null;
  }

  /** The current records of many (partner, customer, type) keys, in no order. */
  currents(em: EntityManager, keys: readonly { partnerId: string; customerId: string; agreementType: string }[]): Promise<Current[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const qb = em.createQueryBuilder(CurrentAcceptance, 'ca').innerJoinAndMapOne('ca.acceptance', Acceptance, 'a', 'a.id = ca.acceptanceId');
    keys.forEach((key, i) =>
      qb.orWhere(`(ca.partnerId = :p${i} AND ca.customerId = :c${i} AND ca.agreementType = :t${i})`, {
        [`p${i}`]: key.partnerId,
        [`c${i}`]: key.customerId,
        [`t${i}`]: key.agreementType,
      }),
    );
    return oneToOneRows(em, qb, `currents|${keys.length}`, { alias: 'ca', entity: CurrentAcceptance }, { acceptance: { alias: 'a', entity: Acceptance } }) as Promise<Current[]>;
  }

  insert(em: EntityManager, acceptances: readonly Acceptance[]): Promise<void> {
    return insertRows(em, Acceptance, acceptances);
  }

  /** Creates or moves the pointers to the records statuses rest on. */
  async saveCurrent(em: EntityManager, rows: readonly CurrentAcceptance[], existing: ReadonlySet<string>): Promise<void> {
    const key = (r: CurrentAcceptance) => `${r.partnerId}\n${r.customerId}\n${r.agreementType}`;
    await insertRows(em, CurrentAcceptance, rows.filter((r) => !existing.has(key(r))));
    for (const row of rows.filter((r) => existing.has(key(r)))) {
      const { partnerId, customerId, agreementType, ...changes } = row;
      await em.update(CurrentAcceptance, { partnerId, customerId, agreementType }, changes);
    }
  }

  /** The partner's records among `ids`. */
  byIds(em: EntityManager, partnerId: string, ids: readonly string[]): Promise<Acceptance[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return em.createQueryBuilder(Acceptance, 'a').where('a.partnerId = :partnerId AND a.id IN (:...ids)', { partnerId, ids }).getMany();
  }

  /** Records with these ids, whoever's (the import checks that a known id comes back unchanged). */
  withIds(em: EntityManager, ids: readonly string[]): Promise<Acceptance[]> {
    return ids.length === 0 ? Promise.resolve([]) : em.findBy(Acceptance, { id: In([...ids]) });
  }

  /**
   * For each customer, up to `page.limit` of the partner's records after the
   * cursor, newest first: one statement for all of them.
   */
  async pages(em: EntityManager, partnerId: string, customerIds: readonly string[], page: HistoryPage): Promise<Acceptance[]> {
    const positioned = this.history(em, 'h', partnerId, customerIds, page.type)
      .select('h.id', 'id')
      .addSelect('ROW_NUMBER() OVER (PARTITION BY h.customerId ORDER BY h.recordedAt DESC, h.sequence DESC, h.id DESC)', 'position');
    if (page.after) {
      positioned.andWhere('(h.recordedAt < :at OR (h.recordedAt = :at AND (h.sequence < :sequence OR (h.sequence = :sequence AND h.id < :id))))', {
        at: page.after.recordedAt,
        sequence: page.after.sequence,
        id: page.after.id,
      });
    }
    const qb = em.createQueryBuilder(Acceptance, 'a');
    return qb
      .where(
        `a.id IN ${qb
          .subQuery()
          .select('p.id')
          .from(`(${positioned.getQuery()})`, 'p')
          .where('p.position <= :limit')
          .getQuery()}`,
      )
      .setParameters({ ...positioned.getParameters(), limit: page.limit })
      .orderBy('a.customerId')
      .addOrderBy('a.recordedAt', 'DESC')
      .addOrderBy('a.sequence', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .getMany();
  }

  /** How many records each customer has. */
  async counts(em: EntityManager, partnerId: string, customerIds: readonly string[], type: AgreementType | null): Promise<Map<string, number>> {
    const rows = await this.history(em, 'a', partnerId, customerIds, type)
      .select('a.customerId', 'customerId')
      .addSelect('COUNT(*)', 'total')
      .groupBy('a.customerId')
      .getRawMany<{ customerId: string; total: number | string }>();
    return new Map(rows.map((row) => [row.customerId, Number(row.total)]));
  }

  /**
   * Every record of one customer of the partner, oldest first (of one type,
   * or all); null when the customer is not related to the partner. One statement.
   */
  async ofCustomer(em: EntityManager, partnerId: string, customerId: string, type: AgreementType | null): Promise<Acceptance[] | null> {
    const rows = (await em
      .createQueryBuilder(PartnerCustomer, 'pc')
      .leftJoinAndMapMany(
        'pc.records',
        Acceptance,
        'a',
        `a.partnerId = pc.partnerId AND a.customerId = pc.customerId${type ? ' AND a.agreementType = :type' : ''}`,
        { type },
      )
      .where('pc.partnerId = :partnerId AND pc.customerId = :customerId', { partnerId, customerId })
      .orderBy('a.recordedAt')
      .addOrderBy('a.sequence')
      .addOrderBy('a.id')
      .getOne()) as (PartnerCustomer & { records: Acceptance[] }) | null;
    return rows ? rows.records : null;
  }

  /** The partner's customers among `ids`, each with its current acceptance of one type and that record: one statement. */
  customersWithCurrent(em: EntityManager, partnerId: string, agreementType: string, ids: readonly string[]): Promise<CustomerWithCurrent[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const qb = em
      .createQueryBuilder(PartnerCustomer, 'pc')
      .innerJoinAndMapOne('pc.customer', Customer, 'c', 'c.id = pc.customerId')
      .leftJoinAndMapOne(
        'pc.current',
        CurrentAcceptance,
        'ca',
        'ca.partnerId = pc.partnerId AND ca.customerId = pc.customerId AND ca.agreementType = :agreementType',
        { agreementType },
      )
      .leftJoinAndMapOne('pc.acceptance', Acceptance, 'a', 'a.id = ca.acceptanceId')
      .where('pc.partnerId = :partnerId AND pc.customerId IN (:...ids)', { partnerId, ids });
    return oneToOneRows(em, qb, 'customersWithCurrent', { alias: 'pc', entity: PartnerCustomer }, WITH_CURRENT) as Promise<CustomerWithCurrent[]>;
  }

  /** The partners through which a customer holds subscriptions (what decides the attestation scenario). */
  async subscriptionHolders(em: EntityManager, customerId: string): Promise<string[]> {
    // By table name: subscriptions belong to orders, which build on acceptances.
    const rows = await em
      .createQueryBuilder()
      .select('DISTINCT s.partnerId', 'partnerId')
      .from('subscriptions', 's')
      .where('s.customerId = :customerId', { customerId })
      .getRawMany<{ partnerId: string }>();
    return rows.map((row) => row.partnerId);
  }

  private history(em: EntityManager, alias: string, partnerId: string, customerIds: readonly string[], type: AgreementType | null): SelectQueryBuilder<Acceptance> {
    const qb = em
      .createQueryBuilder(Acceptance, alias)
      .where(`${alias}.partnerId = :partnerId AND ${alias}.customerId IN (:...customerIds)`, { partnerId, customerIds });
    if (type) qb.andWhere(`${alias}.agreementType = :type`, { type });
    return qb;
  }
}
