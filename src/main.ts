import 'reflect-metadata';
import cluster from 'node:cluster';
import dataSource, { openDataSource } from '../ormconfig';
import { signToken } from './auth/tokens';
import { type Config, loadConfig } from './config';
import { ConfigError } from './shared/config-error';
import { DEMO_PARTNER_ID, loadDemoData } from './imports/demo';
import { createServer } from './server';
import { createServices } from './services';
import { systemClock } from './shared/clock';
import { createLogger, type Logger } from './shared/logger';
import { Database } from './shared/unit-of-work';

const embedded = () => dataSource.options.type === 'better-sqlite3';

/**
 * Readies the database once, before any server process starts: the embedded
 * database is migrated (and given the demo data when empty, outside
 * production); MySQL must already be migrated (`npm run cli -- migrate`).
 */
async function prepareDatabase(config: Config, logger: Logger): Promise<boolean> {
  await openDataSource(dataSource);
  if (embedded()) {
    await dataSource.runMigrations({ transaction: 'all' });
    if (config.production) return false;
    const { imports, acceptanceRequests } = createServices(new Database(dataSource), systemClock, config, logger);
    return (await loadDemoData(imports, { onlyIfEmpty: true }, acceptanceRequests)) !== null;
  }
  if (await dataSource.showMigrations()) {
    throw new ConfigError('The database has pending migrations: run `npm run cli -- migrate` first.');
  }
  return false;
}

/** Runs one server in this process until SIGTERM/SIGINT, then stops gracefully; resolves with its URL. */
async function serve(config: Config, logger: Logger, started: number): Promise<string> {
  await openDataSource(dataSource);
  const server = await createServer({ config, db: new Database(dataSource), logger });
  const address = await server.listen(config.port, config.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/graphql`;
  logger.info({ url, startupMs: Date.now() - started, pid: process.pid }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, ...config.shutdown }, 'stopping: finishing requests in flight');
    await server.shutdown(config.shutdown);
    await dataSource.destroy();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return url;
}

/** What `npm start` prints on the embedded database: the URL, a demo token and a request to try. */
async function printWelcome(config: Config, url: string, seeded: boolean): Promise<void> {
  if (!embedded() || config.production) return;
  const token = await signToken(config.tokens, { partnerId: DEMO_PARTNER_ID, userId: 'demo-admin', roles: ['ADMIN_AGENT'], expiresIn: '8h' });
  const { acceptanceRequests } = createServices(new Database(dataSource), systemClock, config, createLogger('silent'));
  process.stdout.write(
    `\n${seeded ? 'Demo data loaded. ' : ''}GraphQL API ready at ${url}\n\nToken (ADMIN_AGENT of Contoso CSP, 8 hours):\n${token}\n\n` +
      `Signing link of the demo's pending acceptance request (Nadia Haddad of Southridge Bank, in German; valid for seven days after it was loaded):\n` +
      `${acceptanceRequests.demoSigningUrl()}\n\n` +
      `Try it:\ncurl -s ${url} -H 'content-type: application/json' -H 'authorization: Bearer ${token}' \\\n` +
      `  -d '{"query":"{ me { partner { name } } customers(first: 5) { totalCount nodes { companyName agreementStatus { status canTransact } } } }"}'\n\n`,
  );
}

/** With WORKERS > 1: readies the database, forks the workers, replaces any that die, stops them all on SIGTERM. */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const seeded = await prepareDatabase(config, logger);
  await dataSource.destroy();
  let stopping = false;
  let welcomed = false;
  const fork = () =>
    cluster.fork().on('message', (message: { listening?: string }) => {
      if (message.listening && !welcomed) {
        welcomed = true;
        void printWelcome(config, message.listening, seeded);
      }
    });
  for (let i = 0; i < config.workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker stopped; starting another');
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: config.workers }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config, logger);
  if (cluster.isWorker) {
    const url = await serve(config, logger, started);
    process.send?.({ listening: url });
    return;
  }
  const seeded = await prepareDatabase(config, logger);
  const url = await serve(config, logger, started);
  await printWelcome(config, url, seeded);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
