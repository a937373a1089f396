import type { EntityManager } from 'typeorm';
import { AgreementType } from '../agreements/agreement.entity';
import { CurrentAcceptance } from './current-acceptance.entity';
import { NO_ACCEPTANCE, StatusCount } from './status-count.entity';

const SHARDS = 32;

/** The shard of a customer: FNV-1a of its id. */
export function shardOf(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

/** A customer's current template of one type moved from `from` to `to` (null: none). */
export interface CurrentTemplateChange {
  partnerId: string;
  customerId: string;
  agreementType: string;
  from: string | null;
  to: string | null;
}

type Key = Omit<StatusCount, 'customers'>;

/** What statuses rest on: the current acceptance of each customer, and the per-partner counts (see StatusCount). */
export class StatusRepository {
  /** The current acceptances of `customerIds` with one partner, of one type. */
  currentsOf(em: EntityManager, partnerId: string, agreementType: string, customerIds: readonly string[]): Promise<CurrentAcceptance[]> {
    if (customerIds.length === 0) return Promise.resolve([]);
    return em
      .createQueryBuilder(CurrentAcceptance, 'ca')
      .where('ca.partnerId = :partnerId AND ca.agreementType = :agreementType AND ca.customerId IN (:...customerIds)', {
        partnerId,
        agreementType,
        customerIds,
      })
      .getMany();
  }

  /** Customers became related to a partner: each counts as without an acceptance, for every type. */
  related(em: EntityManager, partnerId: string, customerIds: readonly string[]): Promise<void> {
    return this.moved(
      em,
      customerIds.flatMap((customerId) =>
        Object.values(AgreementType).map((agreementType) => ({ partnerId, customerId, agreementType, from: null, to: NO_ACCEPTANCE })),
      ),
    );
  }

  /** Customers' current templates moved; one statement per count row touched. */
  async moved(em: EntityManager, changes: readonly CurrentTemplateChange[]): Promise<void> {
    const deltas = new Map<string, { key: Key; delta: number }>();
    const add = (change: CurrentTemplateChange, templateId: string, delta: number) => {
      const key: Key = { partnerId: change.partnerId, agreementType: change.agreementType, templateId, shard: shardOf(change.customerId) };
      const id = `${key.partnerId}\n${key.agreementType}\n${key.templateId}\n${key.shard}`;
      const entry = deltas.get(id) ?? { key, delta: 0 };
      entry.delta += delta;
      deltas.set(id, entry);
    };
    for (const change of changes) {
      if (change.from === change.to) continue;
      if (change.from !== null) add(change, change.from, -1);
      if (change.to !== null) add(change, change.to, 1);
    }
    for (const { key, delta } of deltas.values()) if (delta !== 0) await this.add(em, key, delta);
  }

  /** Per current template (null: none), the partner's customers of one type. One statement. */
  async perTemplate(em: EntityManager, partnerId: string, agreementType: string): Promise<{ templateId: string | null; customers: number }[]> {
    const rows = await em
      .createQueryBuilder(StatusCount, 'sc')
      .select('sc.templateId', 'templateId')
      .addSelect('SUM(sc.customers)', 'customers')
      .where('sc.partnerId = :partnerId AND sc.agreementType = :agreementType', { partnerId, agreementType })
      .groupBy('sc.templateId')
      .getRawMany<{ templateId: string; customers: number | string }>();
    return rows.map((row) => ({ templateId: row.templateId === NO_ACCEPTANCE ? null : row.templateId, customers: Number(row.customers) }));
  }

  /**
   * Adds `delta` to a count row, creating it at `delta`, in one statement: an
   * update that found no row and then an insert would leave two first writers
   * of a row waiting on each other's gap lock on MySQL. Hand-written: TypeORM's
   * query builder can only overwrite a column on conflict, not add to it.
   */
  private async add(em: EntityManager, key: Key, delta: number): Promise<void> {
    const { tableName } = em.connection.getMetadata(StatusCount);
    const columns = 'partner_id, agreement_type, template_id, shard, customers';
    const onConflict = ['mysql', 'mariadb'].includes(em.connection.options.type)
      ? 'ON DUPLICATE KEY UPDATE customers = customers + VALUES(customers)'
      : 'ON CONFLICT (partner_id, agreement_type, template_id, shard) DO UPDATE SET customers = customers + excluded.customers';
    await em.query(`INSERT INTO ${tableName} (${columns}) VALUES (?, ?, ?, ?, ?) ${onConflict}`, [
      key.partnerId,
      key.agreementType,
      key.templateId,
      key.shard,
      delta,
    ]);
  }
}
