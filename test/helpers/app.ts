import { Writable } from 'node:stream';
import { signToken } from '../../src/auth/tokens';
import { type Config, loadConfig } from '../../src/config';
import { type ImportFile, parseImportFile } from '../../src/imports/import-file';
import { type AppServer, createServer } from '../../src/server';
import type { Clock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { statementsSentForRequests as statementsSent } from '../../src/shared/statement-counter';
import { Database } from '../../src/shared/unit-of-work';
import { type DatabaseKind, type ScratchDatabase, scratchDatabase, type TestSql, testSql } from './databases';

export const TEST_SECRET = 'test secret for the MCA acceptance API, 32+ characters';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] };
}

export interface RestResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

export interface RestOptions {
  token?: string | null;
  /** Sent as JSON unless it is a string already. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestApp {
  kind: DatabaseKind;
  url: string;
  /** DATABASE_URL of the app's database, for other processes (the CLI, a second server) to share. */
  databaseUrl: string;
  /** Plain SQL against the app's database, to look at what was stored (or to break it on purpose). */
  db: TestSql;
  server: AppServer;
  config: Config;
  /** Log lines the server wrote. */
  logs: string[];
  token(partnerId: string, roles: string[], userId?: string): Promise<string>;
  gql<T = Record<string, any>>(token: string | null, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** A call to the REST API (`/v1/...`), with a bearer token when one is given. */
  rest(method: string, path: string, options?: RestOptions): Promise<RestResponse>;
  /** Loads rows in the import format, through the import. */
  seed(file: Partial<Record<keyof ImportFile, unknown[]>>): Promise<void>;
  /** Waits until every audit event recorded so far is in its partner's chain. */
  chainAudit(): Promise<void>;
  /** SQL statements the server sent for requests while `work` ran (background work, such as timers, is not counted). */
  countStatements(work: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Keep an SQLite database in a file, so that another process can open it too. */
  sharedDatabase?: boolean;
  /** Listen on this port (0: any free one). */
  port?: number;
  /** Serve this database (already migrated) instead of a fresh one; closing the app drops it. */
  database?: ScratchDatabase;
}

/** The real server on a random port over a fresh migrated database, with real signed tokens. */
export async function startApp(kind: DatabaseKind, options: TestAppOptions = {}): Promise<TestApp> {
  const scratch = options.database ?? (await scratchDatabase(kind, { shared: options.sharedDatabase }));
  const db = new Database(scratch.dataSource);
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, NODE_ENV: 'test', ...options.env });
  const logs: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const server = await createServer({ config, db, logger, clock: options.clock });
  const address = await server.listen(options.port ?? 0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    kind,
    url,
    databaseUrl: scratch.url,
    db: testSql(scratch.dataSource),
    server,
    config,
    logs,
    token: (partnerId, roles, userId = 'user-1') => signToken(config.tokens, { partnerId, userId, roles, expiresIn: '1h' }),
    async gql(token, query, variables, headers = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<any>['body'] };
    },
    async rest(method, path, { token = null, body, headers = {} } = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
    },
    async seed(file) {
      await server.services.imports.run(parseImportFile(JSON.parse(JSON.stringify(file)), new Date()));
    },
    async chainAudit() {
      await server.services.audit.settled();
      await server.services.audit.chainAll();
    },
    async countStatements(work) {
      const before = statementsSent();
      await work();
      return statementsSent() - before;
    },
    async close() {
      await server.close();
      await scratch.drop();
    },
  };
}
