import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolConnection, QueryOptions } from 'mysql2';
import type { DataSource } from 'typeorm';
import { ServiceUnavailableError } from './errors';
import { countStatement } from './statement-counter';

export type Dialect = 'mysql' | 'sqlite';
export type Row = Record<string, unknown>;

/** Portable SQL (`?` placeholders, unquoted snake_case names) against MySQL/MariaDB or SQLite. */
export interface Sql {
  readonly dialect: Dialect;
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a changing statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

const MYSQL_RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/** Errors that mean "the database is not answering", not "this statement is wrong". */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
]);

/** The driver's error code: mysql2's own, or the one TypeORM wraps. */
const codeOf = (error: unknown): string | undefined => {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e?.driverError?.code ?? e?.code;
};

/** Whether an error says the database cannot be reached or did not answer in time. */
export function isUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code && UNAVAILABLE.has(code)) return true;
  const e = error as { driverError?: { message?: string }; message?: string };
  return /closed state|Pool is closed|connection is closed/i.test(e?.driverError?.message ?? e?.message ?? '');
}

/** Rethrows "the database is not answering" as SERVICE_UNAVAILABLE (HTTP 503); anything else as it is. */
function unavailableOr(error: unknown): never {
  throw isUnavailable(error) ? new ServiceUnavailableError() : error;
}

/** Whether a failed statement broke a unique or primary key (MySQL ER_DUP_ENTRY, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** One connection's statements: a transaction's, or the pool's. */
interface Link {
  query(sql: string, params: readonly unknown[]): Promise<unknown>;
}

/**
 * The application's access to the database: plain statements and transactions.
 *
 * MySQL: statements go straight to the pool TypeORM opened (mysql2), without
 * TypeORM's per-statement machinery, with the configured statement timeout.
 * SQLite runs every statement on one connection, through TypeORM, so
 * statements and transactions there take turns: a statement from another
 * request waits until a transaction ends and never sees half-written work.
 */
export class Database implements Sql {
  readonly dialect: Dialect;
  private sqliteLock: Promise<void> = Promise.resolve();
  private readonly inTransaction = new AsyncLocalStorage<Sql>();
  private readonly timeoutMs: number | undefined;

  constructor(readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb' ? 'mysql' : 'sqlite';
    const options = dataSource.options as { enableQueryTimeout?: boolean; maxQueryExecutionTime?: number };
    this.timeoutMs = options.enableQueryTimeout ? options.maxQueryExecutionTime : undefined;
  }

  async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const tx = this.inTransaction.getStore();
    if (tx) return tx.query<T>(sql, params);
    if (this.dialect === 'sqlite') return this.exclusive(() => this.dataSource.query(sql, params as unknown[]));
    return (await this.mysql(this.pool, sql, params).catch(unavailableOr)) as T[];
  }

  /** Runs a changing statement (in the current transaction, if any) and returns how many rows it changed. */
  async execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    const tx = this.inTransaction.getStore();
    if (tx) return tx.execute(sql, params);
    if (this.dialect === 'mysql') return affectedRows(await this.mysql(this.pool, sql, params).catch(unavailableOr));
    return this.exclusive(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return (await runner.query(sql, params as unknown[], true)).affected ?? 0;
      } finally {
        await runner.release();
      }
    });
  }

  /** Runs `work` in one transaction: all of it is written, or none. MySQL deadlocks are retried. */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const outer = this.inTransaction.getStore();
    if (outer) return work(outer);
    if (this.dialect === 'sqlite') return this.exclusive(() => this.sqliteTransaction(work));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.mysqlTransaction(work);
      } catch (error) {
        const code = codeOf(error);
        if (attempt >= 3 || !code || !MYSQL_RETRYABLE.has(code)) unavailableOr(error);
      }
    }
  }

  /** `FOR UPDATE` where the database has row locks; SQLite's single writer makes it unnecessary. */
  get forUpdate(): string {
    return this.dialect === 'mysql' ? ' FOR UPDATE' : '';
  }

  /** The mysql2 pool TypeORM opened (its callback interface). */
  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { pool: Pool }).pool;
  }

  /**
   * One statement on a MySQL pool or connection, counted, with the statement
   * timeout.
   */
  private mysql(link: Pool | PoolConnection, sql: string, params: readonly unknown[]): Promise<unknown> {
    countStatement();
    const options: QueryOptions = this.timeoutMs ? { sql, timeout: this.timeoutMs } : { sql };
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result));
      link.query(options, params as unknown[], done);
    });
  }

  private async mysqlTransaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const connection = await new Promise<PoolConnection>((resolve, reject) =>
      this.pool.getConnection((error, got) => (error ? reject(error) : resolve(got))),
    );
    const link: Link = { query: (sql, params) => this.mysql(connection, sql, params) };
    return this.runTransaction(link, 'START TRANSACTION', work, () => connection.release());
  }

  private async sqliteTransaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const link: Link = { query: (sql, params) => runner.query(sql, params as unknown[], true) };
    // Take the write lock at the start, so that another process writing the same file
    // makes this transaction wait (busy timeout) instead of failing halfway.
    return this.runTransaction(link, 'BEGIN IMMEDIATE', work, () => runner.release());
  }

  private async runTransaction<T>(link: Link, begin: string, work: (tx: Sql) => Promise<T>, release: () => unknown): Promise<T> {
    const tx = transactionSql(this.dialect, link);
    let open = false;
    try {
      await link.query(begin, []);
      open = true;
      const result = await this.inTransaction.run(tx, () => work(tx));
      await link.query('COMMIT', []);
      open = false;
      return result;
    } catch (error) {
      if (open) await link.query('ROLLBACK', []).catch(() => undefined);
      throw error;
    } finally {
      await release();
    }
  }

  /** SQLite: one statement or transaction at a time on the one connection. */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.sqliteLock;
    let release!: () => void;
    this.sqliteLock = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/** What a statement changed: mysql2's header, TypeORM's structured result. */
function affectedRows(result: unknown): number {
  const r = result as { affectedRows?: number; affected?: number };
  return Number(r?.affectedRows ?? r?.affected ?? 0);
}

/** Rows of a statement: mysql2 gives them as they are, TypeORM's structured result under `records`. */
function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result as Row[];
  const records = (result as { records?: Row[] })?.records;
  return Array.isArray(records) ? records : [];
}

const transactionSql = (dialect: Dialect, link: Link): Sql => ({
  dialect,
  query: async <T>(sql: string, params: readonly unknown[] = []) => rowsOf(await link.query(sql, params)) as T[],
  execute: async (sql, params = []) => affectedRows(await link.query(sql, params)),
});

/** A DATETIME value to bind: mysql2 formats a Date in UTC itself; SQLite stores TypeORM's UTC text form. */
export function instantParam(dialect: Dialect, instant: Date): Date | string {
  return dialect === 'mysql' ? instant : instant.toISOString().replace('T', ' ').replace('Z', '');
}

/** A DATETIME read back: a Date from mysql2, UTC text from SQLite. */
export function instantValue(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(text.includes('T') ? text : `${text.replace(' ', 'T')}Z`);
}

/** A DATE read back as YYYY-MM-DD (mysql2 is told to return DATE as text). */
export const dateValue = (value: unknown): string =>
  value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);

/** `?, ?, ?` for an IN list. */
export const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');
