/**
 * Times `npm run cli -- import` of a generated file on an empty database:
 * N customers of one partner (default 100,000), every other one with an
 * acceptance, every third with a subscription.
 *
 *   node dist/test/bench/import-volume.js [--customers N] [--database URL]
 *
 * URL: sqlite:PATH (a new file) or mysql:// / mariadb:// (the database is dropped and created).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { ROOT } from './servers';

const MCA = '117a77b0-9360-443b-8795-c6dedc750cf9';

export function importFile(customers: number) {
  const id = (n: number) => `IMP-${String(n).padStart(7, '0')}`;
  const contact = (n: number) => ({ firstName: 'Ada', lastName: `Import ${n}`, email: `ada${n}@import.example`, phoneNumber: null });
  const numbers = Array.from({ length: customers }, (_, n) => n);
  return {
    partners: [{ id: 'imp-partner', name: 'Import Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' }],
    offers: [{ id: 'IMP-OFFER', name: 'Seats', billingType: 'LICENSE' }],
    customers: numbers.map((n) => ({
      id: id(n),
      companyName: `Imported ${n}`,
      domain: `imported${n}.example.com`,
      primaryContact: contact(n),
      partnerIds: ['imp-partner'],
      createdAt: '2024-01-01T00:00:00.000Z',
    })),
    subscriptions: numbers
      .filter((n) => n % 3 === 0)
      .map((n) => ({ id: `IMP-S-${n}`, customerId: id(n), partnerId: 'imp-partner', offerId: 'IMP-OFFER', quantity: 5, autoRenew: true })),
    acceptances: numbers
      .filter((n) => n % 2 === 0)
      .map((n) => ({
        id: `IMP-A-${n}`,
        customerId: id(n),
        partnerId: 'imp-partner',
        templateId: MCA,
        method: 'CONFIRMATION',
        acceptedBy: contact(n),
        dateAgreed: '2024-03-01',
        recordedBy: { userId: 'import', role: 'ADMIN_AGENT' },
        recordedAt: '2024-03-01T10:00:00.000Z',
      })),
  };
}

export async function freshDatabase(url: string): Promise<() => Promise<void>> {
  if (url.startsWith('sqlite:')) {
    rmSync(url.slice('sqlite:'.length), { force: true });
    return async () => rmSync(url.slice('sqlite:'.length), { force: true });
  }
  const parsed = new URL(url);
  const name = parsed.pathname.slice(1);
  const admin = await createConnection({ host: parsed.hostname, port: Number(parsed.port || 3306), user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\``);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { customers: { type: 'string' }, database: { type: 'string' } } });
  const customers = Number(values.customers ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'mca-import-'));
  const databaseUrl = values.database ?? `sqlite:${join(dir, 'import.sqlite')}`;
  const file = join(dir, 'import.json');
  writeFileSync(file, JSON.stringify(importFile(customers)));
  const drop = await freshDatabase(databaseUrl);
  const cli = (args: string[]) =>
    execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'index.js'), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' });
  try {
    cli(['migrate']);
    const started = process.hrtime.bigint();
    const out = cli(['import', file]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${out}import of ${customers} customers into ${databaseUrl.split(':')[0]}: ${seconds.toFixed(1)} s\n`);
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  });
}
