import type { EntityManager } from 'typeorm';
import { AgreementType } from '../agreements/agreement.entity';
import { Partner } from '../partners/partner.entity';
import { oneToOneRows, rawRows } from '../shared/joined-rows';
import { CurrentAcceptance } from './current-acceptance.entity';
import { NO_ACCEPTANCE, StatusCount } from './status-count.entity';

const SHARDS = 32;

/** The shard of a customer: FNV-1a of its id. */
export function shardOf(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

/** Where a customer stands in the counts: its current template (NO_ACCEPTANCE: none), and whether under the template's rule. */
export interface Bucket {
  templateId: string;
  acceptedBeforeRule: boolean;
}

/** A customer's standing for one type moved from `from` to `to` (null: not counted, as before a relationship). */
export interface StandingChange {
  partnerId: string;
  customerId: string;
  agreementType: string;
  from: Bucket | null;
  to: Bucket | null;
}

export const NOT_ACCEPTED: Bucket = { templateId: NO_ACCEPTANCE, acceptedBeforeRule: false };

type Key = Omit<StatusCount, 'customers'>;

/** Count rows moved by one statement: 6 parameters each, within every database's limit. */
const COUNT_ROWS_PER_STATEMENT = 500;

/** What statuses rest on: the current acceptance of each customer, and the per-partner counts (see StatusCount). */
export class StatusRepository {
  /** The current acceptances of `customerIds` with one partner, of one type. */
  currentsOf(em: EntityManager, partnerId: string, agreementType: string, customerIds: readonly string[]): Promise<CurrentAcceptance[]> {
    if (customerIds.length === 0) return Promise.resolve([]);
    const qb = em
      .createQueryBuilder(CurrentAcceptance, 'ca')
      .where('ca.partnerId = :partnerId AND ca.agreementType = :agreementType AND ca.customerId IN (:...customerIds)', {
        partnerId,
        agreementType,
        customerIds,
      });
    return oneToOneRows(em, qb, 'currentsOf', { alias: 'ca', entity: CurrentAcceptance });
  }

  /** Customers became related to a partner: each counts as without an acceptance, for every type. */
  related(em: EntityManager, partnerId: string, customerIds: readonly string[]): Promise<void> {
    return this.moved(
      em,
      customerIds.flatMap((customerId) =>
        Object.values(AgreementType).map((agreementType) => ({ partnerId, customerId, agreementType, from: null, to: NOT_ACCEPTED })),
      ),
    );
  }

  /** Customers' standings moved; one statement per COUNT_ROWS_PER_STATEMENT count rows touched. */
  async moved(em: EntityManager, changes: readonly StandingChange[]): Promise<void> {
    const deltas = new Map<string, { key: Key; delta: number }>();
    const add = (change: StandingChange, bucket: Bucket, delta: number) => {
      const key: Key = { partnerId: change.partnerId, agreementType: change.agreementType, ...bucket, shard: shardOf(change.customerId) };
      const id = `${key.partnerId}\n${key.agreementType}\n${key.templateId}\n${key.acceptedBeforeRule}\n${key.shard}`;
      const entry = deltas.get(id) ?? { key, delta: 0 };
      entry.delta += delta;
      deltas.set(id, entry);
    };
    for (const change of changes) {
      if (change.from !== null) add(change, change.from, -1);
      if (change.to !== null) add(change, change.to, 1);
    }
    // In key order, so that two writers touching the same rows lock them in the same order.
    const moves = [...deltas].filter(([, { delta }]) => delta !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, move]) => move);
    for (let i = 0; i < moves.length; i += COUNT_ROWS_PER_STATEMENT) await this.add(em, moves.slice(i, i + COUNT_ROWS_PER_STATEMENT));
  }

  /** Per standing (templateId null: no current acceptance), the partner's customers of one type. One statement. */
  async perStanding(
    em: EntityManager,
    partnerId: string,
    agreementType: string,
  ): Promise<{ templateId: string | null; acceptedBeforeRule: boolean; customers: number }[]> {
    const qb = em
      .createQueryBuilder(StatusCount, 'sc')
      .select('sc.templateId', 'templateId')
      .addSelect('sc.acceptedBeforeRule', 'acceptedBeforeRule')
      .addSelect('SUM(sc.customers)', 'customers')
      .where('sc.partnerId = :partnerId AND sc.agreementType = :agreementType', { partnerId, agreementType })
      .groupBy('sc.templateId')
      .addGroupBy('sc.acceptedBeforeRule');
    const rows = (await rawRows(em, qb, 'perStanding')) as { templateId: string; acceptedBeforeRule: number | boolean; customers: number | string }[];
    return rows.map((row) => ({
      templateId: row.templateId === NO_ACCEPTANCE ? null : row.templateId,
      acceptedBeforeRule: Boolean(Number(row.acceptedBeforeRule)),
      customers: Number(row.customers),
    }));
  }

  /** Per partner, how many current acceptances of a version are dated within `dates` (`before`: earlier than; `from`: on or after). */
  async perPartner(em: EntityManager, templateId: string, dates: { before?: string; from?: string }): Promise<{ partner: Partner; customers: number }[]> {
    const qb = em
      .createQueryBuilder(CurrentAcceptance, 'ca')
      .innerJoin(Partner, 'p', 'p.id = ca.partnerId')
      .select('p.id', 'id')
      .addSelect('p.name', 'name')
      .addSelect('p.type', 'type')
      .addSelect('p.cloud', 'cloud')
      .addSelect('COUNT(*)', 'customers')
      .where('ca.templateId = :templateId', { templateId });
    if (dates.before) qb.andWhere('ca.dateAgreed < :before', { before: dates.before });
    if (dates.from) qb.andWhere('ca.dateAgreed >= :from', { from: dates.from });
    const rows = await qb.groupBy('p.id').addGroupBy('p.name').addGroupBy('p.type').addGroupBy('p.cloud').orderBy('p.id').getRawMany<Partner & { customers: number | string }>();
    return rows.map(({ customers, ...partner }) => ({ partner, customers: Number(customers) }));
  }

  /**
   * Adds each delta to its count row, creating the row at the delta, in one
   * statement: an update that found no row and then an insert would leave two
   * first writers of a row waiting on each other's gap lock on MySQL.
   * Hand-written: TypeORM's query builder can only overwrite a column on
   * conflict, not add to it.
   */
  private async add(em: EntityManager, moves: readonly { key: Key; delta: number }[]): Promise<void> {
    const { tableName } = em.connection.getMetadata(StatusCount);
    const columns = 'partner_id, agreement_type, template_id, accepted_before_rule, shard, customers';
    const onConflict = ['mysql', 'mariadb'].includes(em.connection.options.type)
      ? 'ON DUPLICATE KEY UPDATE customers = customers + VALUES(customers)'
      : 'ON CONFLICT (partner_id, agreement_type, template_id, accepted_before_rule, shard) DO UPDATE SET customers = customers + excluded.customers';
    const rows = moves.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
    await em.query(
      `INSERT INTO ${tableName} (${columns}) VALUES ${rows} ${onConflict}`,
      moves.flatMap(({ key, delta }) => [key.partnerId, key.agreementType, key.templateId, key.acceptedBeforeRule ? 1 : 0, key.shard, delta]),
    );
  }}
