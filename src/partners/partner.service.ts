import type { Sql } from '../shared/db';
import type { CloudInstance, Partner, PartnerType } from './partner.entity';

/** The partner of a tenant id, or null when the database does not know it. */
export async function findPartner(sql: Sql, id: string): Promise<Partner | null> {
  const [row] = await sql.query<{ id: string; name: string; type: PartnerType; cloud: CloudInstance }>(
    'SELECT id, name, type, cloud FROM partners WHERE id = ?',
    [id],
  );
  return row ? { id: row.id, name: row.name, type: row.type, cloud: row.cloud } : null;
}
