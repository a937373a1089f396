import type { Caller } from '../auth/caller';
import { type Database, placeholders } from '../shared/db';
import type { Offer } from './offer.entity';
import { offerFromRow, SUBSCRIPTION_COLUMNS, subscriptionFromRow } from './order.rows';
import type { Subscription } from './subscription.entity';

/** Reading offers and the subscriptions customers hold through the caller's partner. */
export class Catalogue {
  constructor(private readonly db: Database) {}

  async offers(): Promise<Offer[]> {
    const rows = await this.db.query('SELECT id, name, billing_type FROM offers ORDER BY name, id');
    return rows.map(offerFromRow);
  }

  async offersByIds(ids: readonly string[]): Promise<(Offer | null)[]> {
    const rows = await this.db.query(`SELECT id, name, billing_type FROM offers WHERE id IN (${placeholders(ids.length)})`, [...ids]);
    const found = new Map(rows.map((row) => [row.id as string, offerFromRow(row)]));
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Per customer, the subscriptions held through the caller's partner, oldest first. */
  async subscriptionsOf(caller: Caller, customerIds: readonly string[]): Promise<Subscription[][]> {
    const rows = await this.db.query(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions s WHERE s.partner_id = ? AND s.customer_id IN (${placeholders(customerIds.length)}) ` +
        'ORDER BY s.created_at, s.id',
      [caller.partner.id, ...customerIds],
    );
    const byCustomer = new Map<string, Subscription[]>(customerIds.map((id) => [id, []]));
    for (const row of rows) byCustomer.get(row.customer_id as string)?.push(subscriptionFromRow(row));
    return customerIds.map((id) => byCustomer.get(id)!);
  }
}
