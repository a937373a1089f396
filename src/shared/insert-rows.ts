import type { EntityManager, ObjectLiteral } from 'typeorm';
import { CHECK_KEPT_SQL, keptSql } from './kept-sql';

/** Texts are kept for the few-row inserts of requests; a batch's statement costs little per row anyway. */
const KEPT_UP_TO_ROWS = 8;

/**
 * Inserts rows a few hundred at a time: one statement per chunk, within the
 * database's limit on parameters. The rows are not read back: `em.insert`
 * would follow each insert on MySQL with a SELECT of the columns that have a
 * database default (`dispatched`, `accepted_before_rule`), values the caller
 * has set already; a confirmation inserts two such rows.
 */
export async function insertRows<T extends ObjectLiteral>(em: EntityManager, entity: new () => T, rows: readonly T[], size = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insertChunk(em, entity, rows.slice(i, i + size));
}

/**
 * One INSERT of `rows`. Its SQL text is kept per shape (table, number of
 * rows, which values are left to the database; see keptSql), for up to
 * KEPT_UP_TO_ROWS rows; the parameters are the rows' values as the query
 * builder prepares them (`preparePersistentValue`), in its order. The query
 * builder rebuilds the whole text on every run: on the bench's confirmation
 * (d) its four inserts took 12% of the API's CPU time (profile:
 * InsertQueryBuilder execute, getQueryAndParameters). Under tests every run
 * is compared with the query builder's own statement, text and parameters.
 */
async function insertChunk<T extends ObjectLiteral>(em: EntityManager, entity: new () => T, rows: readonly T[]): Promise<void> {
  const built = () =>
    em
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(rows as never)
      .updateEntity(false);
  if (rows.length > KEPT_UP_TO_ROWS) {
    await built().execute();
    return;
  }
  const { driver } = em.connection;
  const metadata = em.connection.getMetadata(entity);
  const columns = metadata.columns.filter((column) => column.isInsert && !column.isVirtual);
  const values = rows.map((row) => columns.map((column) => driver.preparePersistentValue(column.getEntityValue(row), column) as unknown));
  const shape = `insert ${metadata.tableName} ${rows.length} ${values.map((row) => row.map((value) => (value === undefined ? 0 : 1)).join('')).join(' ')}`;
  const text = keptSql(em, shape, () => built().getQuery());
  const parameters: Record<string, unknown> = {};
  let n = 0;
  for (const row of values) for (const value of row) if (value !== undefined) parameters[`orm_param_${n++}`] = value;
  const statement = driver.escapeQueryWithParameters(text, parameters) as [string, unknown[]];
  if (CHECK_KEPT_SQL) checkStatement(statement, built().getQueryAndParameters(), shape);
  await em.query(statement[0], statement[1]);
}

function checkStatement(kept: [string, unknown[]], fresh: [string, unknown[]], shape: string): void {
  const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);
  if (kept[0] !== fresh[0] || kept[1].length !== fresh[1].length || kept[1].some((value, i) => !same(value, fresh[1][i]))) {
    throw new Error(`The insert of shape ${shape} differs from the query builder's.`);
  }
}
