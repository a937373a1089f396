import type { SelectQueryBuilder } from 'typeorm';

/**
 * Locks the rows a query reads until the transaction ends (FOR UPDATE), where
 * the database has row locks; SQLite lets one writer in at a time, which makes
 * them unnecessary there.
 */
export function forUpdate<T extends object>(query: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  return query.connection.driver.options.type === 'better-sqlite3' ? query : query.setLock('pessimistic_write');
}
