import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import dataSource, { openDataSource } from '../../ormconfig';
import { type ChainReport, verifyChains } from '../audit/verify-chains';
import { isRole } from '../auth/roles';
import { signToken } from '../auth/tokens';
import { loadConfig } from '../config';
import { ConfigError } from '../shared/config-error';
import { loadDemoData } from '../imports/demo';
import { ImportError, type ImportFile, parseImportFile } from '../imports/import-file';
import type { PublicationPreview } from '../notifications/fanout.service';
import { publishCommittedStatusChanges } from '../notifications/live-status';
import { type LiveUpdates, liveUpdatesFrom } from '../notifications/live-updates';
import { ChangeReason } from '../status/outbox';
import type { ImportSummary } from '../imports/import.service';
import { createServices, type Services } from '../services';
import { systemClock } from '../shared/clock';
import { createLogger } from '../shared/logger';
import { Database } from '../shared/unit-of-work';

const USAGE = `Usage: npm run cli -- <command>

  migrate                      run pending database migrations
  import FILE.json             load partners, agreements, offers, customers, subscriptions, acceptances
                               (then writes the status events of what it published that are due)
  rules preview FILE.json      dry run: per partner, how many customers the file's new re-acceptance
                               rules and versions would make OUTDATED, and from when; writes nothing
  token --partner ID --roles ADMIN_AGENT,SALES_AGENT [--user ID] [--expires 1h]
                               print a signed token (HS256: JWT_SECRET or the development secret)
  demo                         load the demo data set
  audit verify                 check every partner's audit trail: exit 0 when intact,
                               else print the first broken event of each broken chain and exit 1
`;

class UsageError extends Error {}

/** With REDIS_URL, where the status changes this process commits are published to the subscribers of every server process. */
let liveUpdates: LiveUpdates | null = null;

/** The services over the configured database, as a server would have them (status changes published as a server publishes them). */
async function openServices(): Promise<Services> {
  await openDataSource(dataSource);
  const config = loadConfig();
  const logger = createLogger('silent');
  const services = createServices(new Database(dataSource), systemClock, config, logger);
  if (config.notifications.redisUrl) {
    liveUpdates = liveUpdatesFrom(config.notifications.redisUrl, { logger });
    publishCommittedStatusChanges(services.outbox, liveUpdates, logger);
  }
  return services;
}

/** Sends what is still being published, then lets go of the database. */
async function finish(): Promise<void> {
  await liveUpdates?.close();
  if (dataSource.isInitialized) await dataSource.destroy();
}

/** `ok: N events in M chains`, or one line per broken chain; false when any is broken. */
function printChainReport(report: ChainReport): boolean {
  if (report.breaks.length === 0) {
    process.stdout.write(`ok: ${report.events} events in ${report.chains} chains\n`);
    return true;
  }
  for (const b of report.breaks) {
    process.stdout.write(
      `broken: partner ${b.partnerId}, sequence ${b.sequence}, event ${b.eventId ?? '(none)'}: ${b.problem} (${b.detail})\n`,
    );
  }
  process.stdout.write(`${report.breaks.length} of ${report.chains} chains broken\n`);
  return false;
}

const printSummary = (summary: ImportSummary) => {
  for (const [section, c] of Object.entries(summary)) {
    process.stdout.write(`${section.padEnd(14)} ${c.inserted} inserted, ${c.updated} updated, ${c.unchanged} unchanged\n`);
  }
};

async function readImportFile(file: string): Promise<Required<ImportFile>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ImportError(`${file} is not readable JSON: ${(error as Error).message}`);
  }
  return parseImportFile(json, new Date());
}

/** One block per rule or version: what it would make OUTDATED from when, then one line per partner. */
const printPreview = (previews: readonly PublicationPreview[]) => {
  if (previews.length === 0) process.stdout.write('no new re-acceptance rule or version in the file: no status would change\n');
  for (const p of previews) {
    const what = p.cause === ChangeReason.REACCEPTANCE_RULE ? `re-acceptance rule of ${p.templateId}` : `version ${p.templateId}`;
    const total = p.partners.reduce((sum, row) => sum + row.customers, 0);
    process.stdout.write(`${what}: ${total} customers OUTDATED from ${p.outdatedFrom}\n`);
    for (const row of p.partners) process.stdout.write(`  ${row.partner.id}  ${row.partner.name}: ${row.customers}\n`);
  }
};

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate': {
      await openDataSource(dataSource);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      process.stdout.write(applied.length ? applied.map((m) => `applied ${m.name}\n`).join('') : 'no pending migrations\n');
      return;
    }
    case 'import': {
      if (rest.length !== 1) throw new UsageError('import needs exactly one FILE.json');
      const parsed = await readImportFile(rest[0]);
      const services = await openServices();
      printSummary(await services.imports.run(parsed));
      const batches = await services.fanouts.runDue();
      if (batches > 0) process.stdout.write(`status events: ${batches} batches written\n`);
      return;
    }
    case 'rules': {
      if (rest.length !== 2 || rest[0] !== 'preview') throw new UsageError('rules needs the subcommand preview and one FILE.json');
      const parsed = await readImportFile(rest[1]);
      printPreview(await (await openServices()).imports.preview(parsed));
      return;
    }
    case 'demo': {
      const services = await openServices();
      printSummary((await loadDemoData(services.imports, { onlyIfEmpty: false }, services.acceptanceRequests))!);
      return;
    }
    case 'audit': {
      if (rest.length !== 1 || rest[0] !== 'verify') throw new UsageError('audit needs the subcommand verify');
      const services = await openServices();
      // Attempts recorded but not yet chained join their chains first, so that the whole trail is checked.
      await services.audit.chainAll();
      const report = await services.db.read((em) => verifyChains(em, services.auditRecords));
      if (!printChainReport(report)) process.exitCode = 1;
      return;
    }
    case 'token': {
      const { values } = parseArgs({
        args: rest,
        options: { partner: { type: 'string' }, roles: { type: 'string' }, user: { type: 'string' }, expires: { type: 'string' } },
      });
      if (!values.partner) throw new UsageError('token needs --partner ID');
      const roles = (values.roles ?? '').split(',').map((r) => r.trim()).filter(Boolean);
      const unknown = roles.filter((r) => !isRole(r));
      if (unknown.length) throw new UsageError(`unknown role(s): ${unknown.join(', ')}`);
      const expiresIn = values.expires ?? '1h';
      const token = await signToken(loadConfig().tokens, { partnerId: values.partner, userId: values.user ?? 'cli-user', roles, expiresIn }).catch(
        (error: unknown) => {
          // jose refuses a time span it cannot read with a TypeError.
          throw error instanceof TypeError ? new UsageError(`--expires must be a time span such as 30m, 1h or 7d, got ${expiresIn}`) : error;
        },
      );
      process.stdout.write(`${token}\n`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

run(process.argv.slice(2))
  .then(finish)
  .catch(async (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}`);
    else if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof ImportError) process.stderr.write(`Import refused, nothing was written: ${error.message}\n`);
    else process.stderr.write(`${(error as Error).stack ?? error}\n`);
    await finish();
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
