import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { keptSql } from './kept-sql';

type Row = Record<string, unknown>;

/** Makes one alias's entity out of a raw row; null when the row has none (an unmatched left join). */
type Hydrate = (row: Row) => ObjectLiteral | null;

const hydrators = new WeakMap<object, Map<string, Hydrate>>();

/** Column types whose values both drivers hand over unchanged (prepareHydratedValue converts dates, booleans, JSON). */
const AS_READ = new Set(['varchar', 'char', 'text', 'int']);

/**
 * The entity of `alias` in a raw row, column by column as TypeORM converts
 * it (the driver's `prepareHydratedValue`: dates, booleans, transformers;
 * embedded columns into their objects), from metadata read once per
 * entity and alias.
 */
function hydrator(em: EntityManager, target: new () => ObjectLiteral, alias: string): Hydrate {
  const metadata = em.connection.getMetadata(target);
  let byAlias = hydrators.get(metadata);
  if (!byAlias) hydrators.set(metadata, (byAlias = new Map()));
  let hydrate = byAlias.get(alias);
  if (hydrate) return hydrate;
  const { driver } = em.connection;
  const columns = metadata.columns.map((column) => ({
    column,
    key: `${alias}_${column.databaseName}`,
    // Text and integer columns of the entity itself, with no transformer: the driver's value is the entity's (a page
    // of 100 customers has about 2,000 of them; going through the driver for each took 5% of its CPU, bench a).
    plain: AS_READ.has(String(column.type)) && !column.transformer && !column.embeddedMetadata,
  }));
  const primary = metadata.primaryColumns.map((column) => `${alias}_${column.databaseName}`);
  hydrate = (row) => {
    if (primary.every((key) => row[key] === null || row[key] === undefined)) return null;
    const entity = metadata.create() as ObjectLiteral;
    for (const { column, key, plain } of columns) {
      if (!(key in row)) throw new Error(`The query did not select ${key}.`);
      if (plain) entity[column.propertyName] = row[key];
      else column.setEntityValue(entity, driver.prepareHydratedValue(row[key], column));
    }
    return entity;
  };
  byAlias.set(alias, hydrate);
  return hydrate;
}

/** The raw rows of a query, its SQL text kept per `shape` (see keptSql). */
export async function rawRows(em: EntityManager, qb: SelectQueryBuilder<ObjectLiteral>, shape: string): Promise<Row[]> {
  const text = keptSql(em, shape, () => qb.getQuery());
  const [sql, parameters] = em.connection.driver.escapeQueryWithParameters(text, qb.getParameters());
  return em.query(sql, parameters) as Promise<Row[]>;
}

/**
 * Runs a query whose joins each add at most one row (`…JoinAndMapOne` on a
 * key), and makes its entities from the raw rows: the root one, with the
 * joined ones set on the properties `joins` names. Its SQL text is kept per
 * `shape` (see rawRows).
 *
 * Why not `getMany`: its transformer groups the rows by primary key to
 * merge one-to-many joins, which these queries do not have. On the bench's
 * page of 100 customers (a0) that grouping and hydration took 27% of the
 * API's CPU time (profile: executeEntitiesAndRawResults) and most of its
 * garbage collection (19%).
 */
export async function oneToOneRows<T extends ObjectLiteral>(
  em: EntityManager,
  qb: SelectQueryBuilder<T>,
  shape: string,
  root: { alias: string; entity: new () => T },
  joins: Record<string, { alias: string; entity: new () => ObjectLiteral }> = {},
): Promise<T[]> {
  const rootOf = hydrator(em, root.entity, root.alias);
  const joined = Object.entries(joins).map(([property, join]) => ({ property, hydrate: hydrator(em, join.entity, join.alias) }));
  const rows = await rawRows(em, qb, shape);
  return rows.map((row) => {
    const entity = rootOf(row) as T;
    for (const { property, hydrate } of joined) (entity as ObjectLiteral)[property] = hydrate(row);
    return entity;
  });
}

/**
 * Runs a query whose joins each add at most one row, and makes each row's
 * entities, one per alias named in `aliases` (null for an unmatched left
 * join). Its SQL text is kept per `shape` (see rawRows).
 */
export async function rowsOfEntities<E extends Record<string, ObjectLiteral>>(
  em: EntityManager,
  qb: SelectQueryBuilder<ObjectLiteral>,
  shape: string,
  aliases: { [A in keyof E]: new () => E[A] },
): Promise<{ [A in keyof E]: E[A] | null }[]> {
  const hydrates = Object.entries(aliases).map(([alias, entity]) => ({ alias, hydrate: hydrator(em, entity, alias) }));
  const rows = await rawRows(em, qb, shape);
  return rows.map((row) => Object.fromEntries(hydrates.map(({ alias, hydrate }) => [alias, hydrate(row)])) as { [A in keyof E]: E[A] | null });
}
