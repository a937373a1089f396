import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../../src/config';
import { parseImportFile } from '../../src/imports/import-file';
import { createServices } from '../../src/services';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { Database } from '../../src/shared/unit-of-work';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../ormconfig';

export type DatabaseKind = 'sqlite' | 'mysql';

/**
 * The databases every API test runs on: SQLite always, MySQL/MariaDB as well
 * when TEST_DATABASE_URL is set. An unreachable TEST_DATABASE_URL fails the
 * tests; it never skips them.
 */
export const testDatabases = (): DatabaseKind[] => (process.env.TEST_DATABASE_URL ? ['sqlite', 'mysql'] : ['sqlite']);

export interface ScratchDatabase {
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of the kind: a new schema on the MySQL server; for
 * SQLite in memory, or in a temporary file when other processes must share it.
 */
export async function scratchDatabase(kind: DatabaseKind, options: { shared?: boolean } = {}): Promise<ScratchDatabase> {
  if (kind === 'sqlite') {
    const dir = options.shared ? mkdtempSync(join(tmpdir(), 'mca-test-')) : null;
    const url = dir ? `sqlite:${join(dir, 'mca.sqlite')}` : 'sqlite::memory:';
    return migrated(url, () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
  }
  const empty = await emptyMysqlDatabase();
  return migrated(empty.url, () => empty.drop());
}

/** The database at `url` with every migration run; `drop` closes it, then runs `cleanup` (removes what held it). */
export async function migrated(url: string, cleanup: () => void | Promise<void>): Promise<ScratchDatabase> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    url,
    dataSource,
    async drop() {
      await dataSource.destroy();
      await cleanup();
    },
  };
}

/** A database without tables, and how to remove it. */
export interface EmptyDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty schema (no tables) on TEST_DATABASE_URL's server, named after its database and `label`. */
export async function emptyMysqlDatabase(label = ''): Promise<EmptyDatabase> {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `${base.pathname.slice(1) || 'mca_test'}_${label}${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({
    host: base.hostname,
    port: Number(base.port || 3306),
    user: decodeURIComponent(base.username),
    password: decodeURIComponent(base.password),
  });
  await admin.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** Plain SQL for tests: `?` placeholders on both databases, rows as the driver returns them. */
export interface TestSql {
  readonly dialect: 'mysql' | 'sqlite';
  query<T = Record<string, any>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export function testSql(dataSource: DataSource): TestSql {
  return {
    dialect: dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql',
    query: async (sql, params = []) => {
      const result: unknown = await dataSource.query(sql, [...params]);
      return Array.isArray(result) ? result : [];
    },
  };
}

/** Loads rows in the import format into a database, through the import, as `npm run cli -- import` would. */
export async function seedDatabase(dataSource: DataSource, file: Record<string, unknown>): Promise<void> {
  const services = createServices(new Database(dataSource), systemClock, loadConfig({ NODE_ENV: 'test' }), createLogger('silent'));
  await services.imports.run(parseImportFile(JSON.parse(JSON.stringify(file)), new Date()));
}
