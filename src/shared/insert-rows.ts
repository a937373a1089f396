import type { EntityManager, ObjectLiteral } from 'typeorm';

/**
 * Inserts rows a few hundred at a time: one statement per chunk, within the
 * database's limit on parameters. The rows are not read back: `em.insert`
 * would follow each insert on MySQL with a SELECT of the columns that have a
 * database default (`dispatched`, `accepted_before_rule`), values the caller
 * has set already; a confirmation inserts two such rows.
 */
export async function insertRows<T extends ObjectLiteral>(em: EntityManager, entity: new () => T, rows: readonly T[], size = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += size) {
    await em
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(rows.slice(i, i + size) as never)
      .updateEntity(false)
      .execute();
  }
}
