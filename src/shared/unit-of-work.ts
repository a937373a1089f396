import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ServiceUnavailableError } from './errors';

export type Dialect = 'mysql' | 'sqlite';

/** MySQL errors after which the whole unit of work can run again. */
const RETRYABLE = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const ATTEMPTS = 3;

/** SQLite: a statement that takes the database's write lock and changes nothing (BEGIN IMMEDIATE, within TypeORM's transaction). */
const SQLITE_WRITE_LOCK = 'DELETE FROM migrations WHERE 0';

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

/** The driver's error code: mysql2's or better-sqlite3's own, or the one TypeORM wraps. */
const codeOf = (error: unknown): string | undefined => {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return e?.driverError?.code ?? e?.code;
};

/** Whether an error says the database cannot be reached or did not answer in time. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof ServiceUnavailableError) return true;
  const code = codeOf(error);
  if (code && UNAVAILABLE.has(code)) return true;
  const e = error as { driverError?: { message?: string }; message?: string } | null;
  return /closed state|Pool is closed|connection is closed|Connection lost/i.test(e?.driverError?.message ?? e?.message ?? '');
}

/** Whether a statement broke a unique or primary key (MySQL ER_DUP_ENTRY, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Whether an error ends the unit of work as a whole: the database stopped answering, or MySQL rolled the transaction back (deadlock). */
export const breaksTheUnit = (error: unknown): boolean => isUnavailable(error) || RETRYABLE.has(codeOf(error) ?? '');

/**
 * The transactions a statement broke (MySQL rolled them back: a deadlock, a
 * lock wait timeout), by query runner, with that statement's error. Whatever
 * caught the error (GraphQL answers a resolver's error in the response), the
 * unit of work runs again or fails as a whole: committing what is left would
 * release a savepoint that is gone, and a statement sent after the rollback
 * would commit on its own.
 */
const brokenUnits = new WeakMap<QueryRunner, unknown>();

/** Statements sent on each query runner (the data source's logger counts them). */
const sentOn = new WeakMap<QueryRunner, number>();

/** Called for every statement sent (the data source's logger). */
export function noteStatement(queryRunner: QueryRunner): void {
  sentOn.set(queryRunner, (sentOn.get(queryRunner) ?? 0) + 1);
}

/** Called for every statement that fails (the data source's logger). */
export function noteFailedStatement(queryRunner: QueryRunner, error: unknown): void {
  if (RETRYABLE.has(codeOf(error) ?? '') && !brokenUnits.has(queryRunner)) brokenUnits.set(queryRunner, error);
}

/** The error that broke the unit of work of `em`, if a statement did. */
export const unitBrokenBy = (em: EntityManager): unknown => (em.queryRunner ? brokenUnits.get(em.queryRunner) : undefined);

/** "The database is not answering" as SERVICE_UNAVAILABLE (HTTP 503); anything else as it is. */
export const unavailableOr = (error: unknown): unknown => (isUnavailable(error) ? new ServiceUnavailableError() : error);

/**
 * The application's one way to the database: a unit of work reads, or writes
 * in one transaction, through the EntityManager it is given, which it passes
 * on explicitly to the repositories. MySQL runs units side by side on its
 * pool. SQLite has one connection: there units take turns, so that a read
 * never sees another unit's unfinished transaction.
 */
export class Database {
  readonly dialect: Dialect;
  /** Units of work under way, by kind, and those waiting for their turn (SQLite): for the metrics. */
  readonly units = { reading: 0, writing: 0, waiting: 0 };
  private turn: Promise<void> = Promise.resolve();
  /** What to do once a write's transaction has committed, by the query runner of its EntityManager. */
  private readonly committed = new WeakMap<object, (() => void)[]>();
  /** Parts under way (savepoints), by query runner: their names go by depth. */
  private readonly openParts = new WeakMap<QueryRunner, number>();
  /** Per write under way, by query runner: the statements sent on it when its work began. */
  private readonly begun = new WeakMap<QueryRunner, number>();

  constructor(readonly dataSource: DataSource) {
    this.dialect = ['mysql', 'mariadb'].includes(dataSource.options.type) ? 'mysql' : 'sqlite';
  }

  /** Reads: each statement sees what is committed. */
  async read<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const run = async () => {
      this.units.reading += 1;
      try {
        return await work(this.dataSource.manager);
      } finally {
        this.units.reading -= 1;
      }
    };
    try {
      return await (this.dialect === 'sqlite' ? this.inTurn(run) : run());
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  /**
   * One transaction: all of `work` is written, or none. On MySQL a deadlock
   * or lock timeout runs the whole unit again (three tries in all), so `work`
   * must keep nothing of a failed try.
   */
  async write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let after: (() => void)[] = [];
      const tracked = async (em: EntityManager) => {
        after = [];
        this.committed.set(em.queryRunner!, after);
        // Known only where the logger counts statements: without it, every part takes a savepoint.
        if (sentOn.has(em.queryRunner!)) this.begun.set(em.queryRunner!, sentOn.get(em.queryRunner!)!);
        this.units.writing += 1;
        try {
          const result = await work(em);
          const broken = unitBrokenBy(em);
          if (broken) throw broken;
          return result;
        } finally {
          this.units.writing -= 1;
        }
      };
      try {
        const result = await (this.dialect === 'sqlite' ? this.inTurn(() => this.sqliteTransaction(tracked)) : this.dataSource.transaction(tracked));
        for (const done of after) done();
        return result;
      } catch (error) {
        const code = codeOf(error);
        if (this.dialect === 'sqlite' || attempt >= ATTEMPTS || !code || !RETRYABLE.has(code)) throw unavailableOr(error);
      }
    }
  }

  /**
   * A write that a read needs before it reads on (the audit trail chains what
   * waits before it is listed), given the read's `reader`: on SQLite the read
   * holds the connection's turn, so the transaction runs within it; within a
   * write, `work` is simply part of it.
   */
  writeDuring<T>(reader: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (reader.queryRunner?.isTransactionActive) return work(reader);
    if (this.dialect === 'sqlite') return this.sqliteTransaction(work);
    return this.write(work);
  }

  /**
   * A part of the write `em` belongs to that can fail on its own: when it
   * fails, what it wrote is undone and what it asked to run after the commit
   * (afterCommit) is dropped, while the rest of the unit goes on. A part that
   * is the first thing its write does (nothing sent since the transaction
   * began) has nothing before it to keep: a failure undoes the whole
   * transaction and begins it again, so a mutation that goes through (nearly
   * all do) sends no savepoint at all. Any other part sets a savepoint of its
   * own, never released: COMMIT ends it with the rest (TypeORM's nested
   * transaction would release it, one more statement).
   */
  async part<T>(em: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
    const runner = em.queryRunner;
    if (!runner?.isTransactionActive) return em.transaction(work);
    const pending = this.committed.get(runner);
    const kept = pending?.length ?? 0;
    const first = this.begun.has(runner) && this.begun.get(runner) === sentOn.get(runner);
    const depth = (this.openParts.get(runner) ?? 0) + 1;
    this.openParts.set(runner, depth);
    try {
      if (!first) await em.query(`SAVEPOINT part_${depth}`);
      try {
        return await work(em);
      } catch (error) {
        pending?.splice(kept);
        // A broken unit has nothing left to go back to: it fails or runs again as a whole. So does
        // one whose part could not be undone, so that nothing of that part is committed.
        if (!unitBrokenBy(em) && !isUnavailable(error)) {
          await (first ? this.beginAgain(em, runner) : em.query(`ROLLBACK TO SAVEPOINT part_${depth}`)).catch((failed: unknown) => brokenUnits.set(runner, failed));
        }
        throw error;
      }
    } finally {
      this.openParts.set(runner, depth - 1);
    }
  }

  /** Undoes the whole transaction of `runner` and begins it again, as a write begins (SQLite: its write lock first). */
  private async beginAgain(em: EntityManager, runner: QueryRunner): Promise<void> {
    await runner.rollbackTransaction();
    await runner.startTransaction();
    if (this.dialect === 'sqlite') await em.query(SQLITE_WRITE_LOCK);
    this.begun.set(runner, sentOn.get(runner) ?? 0);
  }

  /**
   * Runs `done` once the write `em` belongs to has committed (never when it
   * rolls back): what must not happen for a write that did not (background
   * work it starts, messages about it).
   */
  afterCommit(em: EntityManager, done: () => void): void {
    const pending = em.queryRunner ? this.committed.get(em.queryRunner) : undefined;
    if (pending) pending.push(done);
    else done(); // not within a write: nothing left to wait for
  }

  /**
   * SQLite: the transaction takes the write lock with its first statement, as
   * BEGIN IMMEDIATE would, so that another process writing the same file makes
   * it wait (busy timeout) rather than fail halfway when it first writes.
   */
  private sqliteTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await em.query(SQLITE_WRITE_LOCK);
      return work(em);
    });
  }

  /** SQLite: one unit at a time on the one connection. */
  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((resolve) => (done = resolve));
    this.units.waiting += 1;
    await previous;
    this.units.waiting -= 1;
    try {
      return await work();
    } finally {
      done();
    }
  }
}
