/**
 * Times the status events of a re-acceptance rule over N customers of one
 * partner (default 100,000), all with an acceptance dated before the rule's
 * `acceptedBefore`: marking them (MARK), telling them ahead (WILL_CHANGE,
 * one event each) and, once the day has begun, the change (CHANGED, one
 * event each). Reports per step: time, batches, the longest batch (one
 * transaction each), the longest event-loop stall, and peak heap and RSS.
 *
 *   node --expose-gc dist/test/bench/fanout-volume.js [--customers N] [--database URL]
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createDataSource, openDataSource } from '../../ormconfig';
import { loadConfig } from '../../src/config';
import { parseImportFile } from '../../src/imports/import-file';
import { createServices } from '../../src/services';
import { beginningOf } from '../../src/shared/calendar';
import { createLogger } from '../../src/shared/logger';
import { Database } from '../../src/shared/unit-of-work';
import { freshDatabase, importFile } from './import-volume';
import { ROOT } from './servers';

const MCA = '117a77b0-9360-443b-8795-c6dedc750cf9';
const OUTDATED_FROM = '2030-01-01';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { customers: { type: 'string' }, database: { type: 'string' } } });
  const customers = Number(values.customers ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'mca-fanout-'));
  const databaseUrl = values.database ?? `sqlite:${join(dir, 'fanout.sqlite')}`;
  const drop = await freshDatabase(databaseUrl);
  try {
    // Every customer with an acceptance: the generator gives one to every other one, so ask for twice as many and keep those.
    const file = importFile(customers * 2);
    const accepted = new Set(file.acceptances.map((a) => a.customerId));
    file.customers = file.customers.filter((c) => accepted.has(c.id));
    file.subscriptions = [];
    const path = join(dir, 'customers.json');
    writeFileSync(path, JSON.stringify(file));
    const cli = (args: string[]) =>
      execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'index.js'), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' });
    cli(['migrate']);
    const importStarted = performance.now();
    cli(['import', path]);
    process.stdout.write(`import of ${file.customers.length} customers with acceptances: ${((performance.now() - importStarted) / 1000).toFixed(1)} s\n`);

    let now = new Date();
    const clock = { now: () => new Date(now) };
    const dataSource = await openDataSource(createDataSource(databaseUrl));
    const db = new Database(dataSource);
    const services = createServices(db, clock, loadConfig({ ...process.env, DATABASE_URL: databaseUrl }), createLogger('silent'));
    // Each batch is one db.write: time them.
    const batches: number[] = [];
    const write = db.write.bind(db);
    db.write = (async (work: Parameters<typeof write>[0]) => {
      const started = performance.now();
      try {
        return await write(work);
      } finally {
        batches.push(performance.now() - started);
      }
    }) as typeof db.write;

    const step = async (name: string) => {
      batches.length = 0;
      const loop = monitorEventLoopDelay({ resolution: 10 });
      let peakHeap = 0;
      let peakRss = 0;
      const sample = setInterval(() => {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }, 20);
      const before = await dataSource.query('SELECT COUNT(*) AS n FROM status_events');
      loop.enable();
      const started = performance.now();
      await services.fanouts.runDue();
      const seconds = (performance.now() - started) / 1000;
      loop.disable();
      clearInterval(sample);
      const after = await dataSource.query('SELECT COUNT(*) AS n FROM status_events');
      // What the step left behind once garbage is collected (run with node --expose-gc).
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const retained = gc ? `, heap after GC ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB` : '';
      const events = Number(after[0].n) - Number(before[0].n);
      const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
      process.stdout.write(
        `${name.padEnd(28)} ${seconds.toFixed(1)} s, ${events} events, ${batches.length} transactions, longest ${Math.max(...batches).toFixed(0)} ms, ` +
          `event loop stalled at most ${(loop.max / 1e6).toFixed(0)} ms, peak heap ${mb(peakHeap)} MB, peak RSS ${mb(peakRss)} MB${retained}\n`,
      );
    };

    await services.imports.run(
      parseImportFile(
        { agreements: [{ templateId: MCA, type: 'MICROSOFT_CUSTOMER_AGREEMENT', agreementLink: 'https://aka.ms/customeragreement', versionRank: 1, effectiveDate: '2019-10-01', reacceptance: { acceptedBefore: '2025-01-01', outdatedFrom: OUTDATED_FROM } }] },
        now,
      ),
    );
    await step('mark + tell ahead (WILL_CHANGE)');
    now = beginningOf(OUTDATED_FROM);
    await step('the day begins (CHANGED)');
    await dataSource.destroy();
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
