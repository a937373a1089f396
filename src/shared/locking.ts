import type { SelectQueryBuilder } from 'typeorm';

/**
 * Locks the rows a query reads until the transaction ends (FOR UPDATE), where
 * the database has row locks; SQLite lets one writer in at a time, which makes
 * them unnecessary there. `skipLocked`: rows another transaction holds are
 * passed over (SKIP LOCKED), so that several processes can share out work.
 */
export function forUpdate<T extends object>(query: SelectQueryBuilder<T>, options: { skipLocked?: boolean } = {}): SelectQueryBuilder<T> {
  if (query.connection.driver.options.type === 'better-sqlite3') return query;
  const locked = query.setLock('pessimistic_write');
  return options.skipLocked ? locked.setOnLocked('skip_locked') : locked;
}
