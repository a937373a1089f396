import { agreementStatus, type AgreementStatusCode } from '../acceptances/status';
import { LATEST_TEMPLATE_ID_SQL } from '../agreements/templates';
import type { CloudInstance } from '../partners/partner.entity';
import type { Sql } from '../shared/db';

/**
 * Per-partner counts, changed in the same transaction as what they count, so
 * that totalCount reads a few rows however many customers a partner has:
 * customers related to the partner, and current acceptances per type and
 * template. Each count is split over SHARDS rows by customer, so that writes
 * for different customers of one partner rarely wait for the same row lock.
 */
const SHARDS = 32;

/** The shard of a customer: FNV-1a of its id. */
export function shardOf(customerId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) hash = Math.imul(hash ^ customerId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

/**
 * Adds `delta` to a count row, creating it at `delta`, in one statement (an
 * update that found no row, then an insert, would leave two first writers of a
 * row waiting on each other's gap lock on MySQL).
 */
async function bump(tx: Sql, table: string, key: Record<string, string | number>, delta: number): Promise<void> {
  const columns = Object.keys(key);
  const insert = `INSERT INTO ${table} (${columns.join(', ')}, customers) VALUES (${columns.map(() => '?').join(', ')}, ?)`;
  const add =
    tx.dialect === 'mysql'
      ? ' ON DUPLICATE KEY UPDATE customers = customers + VALUES(customers)'
      : ` ON CONFLICT (${columns.join(', ')}) DO UPDATE SET customers = customers + excluded.customers`;
  await tx.query(insert + add, [...Object.values(key), delta]);
}

/** Adds up deltas by count row, then changes each row once. */
async function apply(tx: Sql, table: string, deltas: { key: Record<string, string | number>; delta: number }[]): Promise<void> {
  const rows = new Map<string, { key: Record<string, string | number>; delta: number }>();
  for (const { key, delta } of deltas) {
    const id = JSON.stringify(key);
    const row = rows.get(id) ?? { key, delta: 0 };
    row.delta += delta;
    rows.set(id, row);
  }
  for (const { key, delta } of rows.values()) if (delta !== 0) await bump(tx, table, key, delta);
}

/** Customers became related to a partner. */
export const countRelationships = (tx: Sql, partnerId: string, customerIds: readonly string[]) =>
  apply(
    tx,
    'relationship_counts',
    customerIds.map((customerId) => ({ key: { partner_id: partnerId, shard: shardOf(customerId) }, delta: 1 })),
  );

export interface CurrentAcceptanceChange {
  partnerId: string;
  customerId: string;
  agreementType: string;
  /** The template of the customer's current acceptance before, or null when it had none. */
  from: string | null;
  to: string;
}

/** Customers' current acceptances moved from one template (or none) to another. */
export const countCurrentAcceptances = (tx: Sql, changes: readonly CurrentAcceptanceChange[]) =>
  apply(
    tx,
    'current_acceptance_counts',
    changes
      .filter((change) => change.from !== change.to)
      .flatMap((change) => {
        const key = (templateId: string) => ({
          partner_id: change.partnerId,
          agreement_type: change.agreementType,
          template_id: templateId,
          shard: shardOf(change.customerId),
        });
        return [...(change.from === null ? [] : [{ key: key(change.from), delta: -1 }]), { key: key(change.to), delta: 1 }];
      }),
  );

/**
 * How many of the partner's customers are in each status for one agreement
 * type, from the counts and the status rule itself; one statement.
 */
export async function statusCounts(sql: Sql, partnerId: string, cloud: CloudInstance, agreementType: string): Promise<Map<AgreementStatusCode | 'ALL', number>> {
  const rows = await sql.query<{ kind: string; template_id: string | null; customers: number }>(
    "SELECT 'total' AS kind, NULL AS template_id, SUM(customers) AS customers FROM relationship_counts WHERE partner_id = ? " +
      "UNION ALL SELECT 'template', template_id, SUM(customers) FROM current_acceptance_counts WHERE partner_id = ? AND agreement_type = ? GROUP BY template_id " +
      `UNION ALL SELECT 'latest', ${LATEST_TEMPLATE_ID_SQL}, 0`,
    [partnerId, partnerId, agreementType, agreementType],
  );
  const total = Number(rows.find((r) => r.kind === 'total')?.customers ?? 0);
  const latest = rows.find((r) => r.kind === 'latest')?.template_id ?? null;
  const counts = new Map<AgreementStatusCode | 'ALL', number>([['ALL', total]]);
  const add = (status: AgreementStatusCode, n: number) => counts.set(status, (counts.get(status) ?? 0) + n);
  let withAcceptance = 0;
  for (const row of rows.filter((r) => r.kind === 'template')) {
    withAcceptance += Number(row.customers);
    add(agreementStatus(cloud, row.template_id, latest), Number(row.customers));
  }
  add(agreementStatus(cloud, null, latest), total - withAcceptance);
  return counts;
}
