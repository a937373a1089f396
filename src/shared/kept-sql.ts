import type { EntityManager } from 'typeorm';

/** SQL texts built once by the query builder, per data source and shape. */
const texts = new WeakMap<object, Map<string, string>>();

/** Whether every use of a kept text is checked against a fresh build (tests). */
export const CHECK_KEPT_SQL = process.env.NODE_ENV === 'test';

/**
 * The SQL text of `shape`: built by `build` (the query builder) the first
 * time, then kept, since the query builder rebuilds the whole text on every
 * run (on the bench's one-customer read, b, that took 15% of the API's CPU
 * time). `shape` must name everything that changes the text (which
 * conditions, the limit, the number of rows), not the parameters' values;
 * under tests every use compares the kept text with a fresh build, so a shape
 * that misses something fails there.
 */
export function keptSql(em: EntityManager, shape: string, build: () => string): string {
  let byShape = texts.get(em.connection);
  if (!byShape) texts.set(em.connection, (byShape = new Map()));
  const kept = byShape.get(shape);
  if (kept === undefined) {
    const text = build();
    byShape.set(shape, text);
    return text;
  }
  if (CHECK_KEPT_SQL && kept !== build()) throw new Error(`The SQL text of shape ${shape} changed.`);
  return kept;
}
