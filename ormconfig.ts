import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseUrlFrom, statementTimeoutFrom } from './src/config';
import { entities } from './src/entities';
import { migrations } from './migrations';
import { SnakeNamingStrategy } from './src/shared/naming-strategy';
import { StatementCounter } from './src/shared/statement-counter';

/**
 * Data source options for a DATABASE_URL:
 * `mysql://user:pass@host:3306/db` (MySQL or MariaDB), `sqlite:PATH` or `sqlite::memory:`.
 */
export interface DatabaseOptions {
  /** MySQL: statements running longer are cancelled, so that a database that stops answering fails requests fast. */
  statementTimeoutMs?: number;
}

export function dataSourceOptions(databaseUrl: string, options: DatabaseOptions = {}): DataSourceOptions {
  const common = {
    migrations,
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logger: new StatementCounter(),
  } as const;
  if (databaseUrl.startsWith('sqlite:')) {
    const database = databaseUrl.slice('sqlite:'.length);
    if (database === '') throw new Error('DATABASE_URL sqlite: needs a path or :memory:');
    return {
      ...common,
      entities: entities('sqlite'),
      type: 'better-sqlite3',
      database,
      enableWAL: database !== ':memory:',
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma('foreign_keys = ON');
      },
    };
  }
  if (databaseUrl.startsWith('mysql://') || databaseUrl.startsWith('mariadb://')) {
    const url = new URL(databaseUrl);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!database) throw new Error('DATABASE_URL mysql:// needs a database name: mysql://user:pass@host:3306/db');
    return {
      ...common,
      entities: entities('mysql'),
      // MariaDB's own driver type reads its schema as MariaDB reports it (defaults, for one).
      type: url.protocol === 'mariadb:' ? 'mariadb' : 'mysql',
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database,
      charset: 'utf8mb4_bin',
      timezone: 'Z',
      dateStrings: ['DATE'],
      supportBigNumbers: true,
      bigNumberStrings: false,
      poolSize: Number(url.searchParams.get('poolSize') ?? 10),
      connectTimeout: 1000,
      // No stack captured ahead of every statement for the error it might raise: that capture took 7% of a confirmation's CPU (bench d's profile).
      trace: false,
      ...(options.statementTimeoutMs ? { enableQueryTimeout: true, maxQueryExecutionTime: options.statementTimeoutMs } : {}),
    };
  }
  throw new Error(`DATABASE_URL must start with mysql:// or sqlite:, got ${databaseUrl}`);
}

export const createDataSource = (databaseUrl: string, options?: DatabaseOptions) => new DataSource(dataSourceOptions(databaseUrl, options));

/** Connects, creating the folder of an embedded database file first. */
export async function openDataSource(dataSource: DataSource): Promise<DataSource> {
  const { type, database } = dataSource.options;
  if (type === 'better-sqlite3' && database !== ':memory:') mkdirSync(dirname(String(database)), { recursive: true });
  return dataSource.isInitialized ? dataSource : dataSource.initialize();
}

/** The one data source of the application and the CLI, configured from DATABASE_URL. */
export default createDataSource(databaseUrlFrom(process.env), { statementTimeoutMs: statementTimeoutFrom(process.env) });
