import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import pino from 'pino';
import { createDataSource } from '../../ormconfig';
import { signToken } from '../../src/auth/tokens';
import { DEMO_MCA_2025, DEMO_PARTNER_ID } from '../../src/imports/demo';
import { loadConfig } from '../../src/config';
import { createServer } from '../../src/server';
import { Database } from '../../src/shared/unit-of-work';
import { type DatabaseKind, type EmptyDatabase, emptyMysqlDatabase, testDatabases } from '../helpers/databases';
import { MCA_V1 } from '../helpers/fixtures';
import { CLI_SECRET as SECRET, cli } from '../helpers/cli';
import { contractFile } from '../helpers/contract';
import { migrations } from '../../migrations';

const EXAMPLE = contractFile('import-example.json');

const TABLES = [
  'migrations',
  'partners',
  'customers',
  'partner_customers',
  'agreement_templates',
  'offers',
  'subscriptions',
  'orders',
  'order_line_items',
  'acceptances',
  'current_acceptances',
  'audit_events',
  'audit_chains',
];

/** An empty database (no tables, no migrations): a file under the temp folder, or a new MySQL schema. */
async function bareDatabase(kind: DatabaseKind, dir: string): Promise<EmptyDatabase> {
  if (kind === 'sqlite') {
    const file = join(dir, `${randomBytes(4).toString('hex')}.sqlite`);
    return { url: `sqlite:${file}`, drop: async () => undefined };
  }
  return emptyMysqlDatabase('cli_');
}

const canonical = (row: Record<string, unknown>) =>
  JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b))));

/** Every row of every table, as text, in a stable order. */
async function dump(url: string): Promise<Record<string, string[]>> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    const tables: Record<string, string[]> = {};
    for (const table of TABLES) {
      const rows: Record<string, unknown>[] = await dataSource.query(`SELECT * FROM ${table}`);
      tables[table] = rows.map(canonical).sort();
    }
    return tables;
  } finally {
    await dataSource.destroy();
  }
}

const countsOf = (tables: Record<string, string[]>) => Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.length]));

/** The summary the import prints: section -> [inserted, updated, unchanged]. */
function summaryOf(stdout: string): Record<string, [number, number, number]> {
  const summary: Record<string, [number, number, number]> = {};
  for (const line of stdout.trim().split('\n')) {
    if (line.startsWith('status events: ')) continue;
    const match = /^(\w+)\s+(\d+) inserted, (\d+) updated, (\d+) unchanged$/.exec(line);
    if (!match) throw new Error(`not a summary line: ${line}`);
    summary[match[1]] = [Number(match[2]), Number(match[3]), Number(match[4])];
  }
  return summary;
}

/** How many customers of the demo partner the API shows per status. */
async function demoStatusCounts(url: string): Promise<Record<string, number>> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  const config = loadConfig({ JWT_SECRET: SECRET, NODE_ENV: 'test' });
  const server = await createServer({ config, db: new Database(dataSource), logger: pino({ level: 'silent' }) });
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const token = await signToken(config.tokens, { partnerId: DEMO_PARTNER_ID, userId: 'cli-test', roles: ['ADMIN_AGENT'], expiresIn: '5m' });
    const count = (status: string) => `${status}: customers(first: 1, filter: { agreementStatus: ${status} }) { totalCount }`;
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `{ all: customers(first: 1) { totalCount } ${['ACCEPTED', 'OUTDATED', 'NOT_ACCEPTED', 'NOT_APPLICABLE'].map(count).join(' ')} }`,
      }),
    });
    const { data } = (await response.json()) as { data: Record<string, { totalCount: number }> };
    return Object.fromEntries(Object.entries(data).map(([status, c]) => [status, c.totalCount]));
  } finally {
    await server.close();
    await dataSource.destroy();
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mca-cli-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the example file with `change` applied, written to the temp folder. */
function exampleWith(name: string, change: (file: any) => void = () => undefined): string {
  const file = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
  change(file);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(file, null, 2));
  return path;
}

const NEW_PARTNER = { id: 'a1b2c3d4-0000-4000-8000-0000000000aa', name: 'Added Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' };

describe.each(testDatabases())('the CLI (%s)', (kind) => {
  let database: EmptyDatabase;
  let example: string;

  beforeAll(async () => {
    database = await bareDatabase(kind, dir);
    example = join(dir, `import-example-${kind}.json`);
    copyFileSync(EXAMPLE, example);
  });
  afterAll(() => database?.drop());

  it('migrate applies every migration in order, then finds nothing pending', async () => {
    const first = await cli(database.url, ['migrate']);
    const applied = migrations.map((migration) => `applied ${new migration().name}\n`).join('');
    expect(applied).toContain('applied InitialSchema1763700000000\n');
    expect(first).toEqual({ code: 0, stdout: applied, stderr: '' });
    const tables = await dump(database.url);
    expect(tables.agreement_templates).toHaveLength(2);
    expect(tables.migrations).toHaveLength(migrations.length);
    const second = await cli(database.url, ['migrate']);
    expect(second).toEqual({ code: 0, stdout: 'no pending migrations\n', stderr: '' });
    expect(await dump(database.url)).toEqual(tables);
  });

  it('import loads the example file', async () => {
    const run = await cli(database.url, ['import', example]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The example's agreement gains its re-acceptance rule; its status events are written right after.
    expect(run.stdout).toMatch(/^status events: \d+ batches written$/m);
    expect(summaryOf(run.stdout)).toEqual({
      partners: [4, 0, 0],
      agreements: [0, 1, 0],
      offers: [2, 0, 0],
      customers: [1, 0, 0],
      relationships: [2, 0, 0],
      subscriptions: [1, 0, 0],
      acceptances: [1, 0, 0],
    });
    const tables = await dump(database.url);
    expect(countsOf(tables)).toEqual({
      migrations: migrations.length,
      partners: 4,
      customers: 1,
      partner_customers: 2,
      agreement_templates: 2,
      offers: 2,
      subscriptions: 1,
      orders: 0,
      order_line_items: 0,
      acceptances: 1,
      current_acceptances: 1,
      audit_events: 0,
      audit_chains: 0,
    });
    expect(tables.customers[0]).toContain('"company_name":"Wingtip Toys"');
    expect(tables.current_acceptances[0]).toContain('"acceptance_id":"9e8d7c6b-0000-4000-8000-000000000001"');
  });

  it('importing the same file again changes nothing', async () => {
    const before = await dump(database.url);
    const run = await cli(database.url, ['import', example]);
    expect(run.code).toBe(0);
    const summary = summaryOf(run.stdout);
    expect(Object.keys(summary)).toHaveLength(7);
    for (const [inserted, updated] of Object.values(summary)) expect([inserted, updated]).toEqual([0, 0]);
    expect(await dump(database.url)).toEqual(before);
  });

  it('refuses a file with an invalid e-mail, naming the row and field, and writes nothing, not even the rows before it', async () => {
    const before = await dump(database.url);
    const file = exampleWith(`bad-email-${kind}.json`, (f) => {
      f.partners.push(NEW_PARTNER);
      f.customers[0].primaryContact.email = 'not-an-email';
    });
    const run = await cli(database.url, ['import', file]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Import refused, nothing was written: customers\[0\]\.primaryContact\.email\b/);
    expect(await dump(database.url)).toEqual(before);
  });

  it.each([
    ['partners[0].name', (f: any) => (f.partners[0].name = 'Contoso\u202e CSP')],
    ['offers[0].name', (f: any) => (f.offers[0].name = 'Azure\u2060 plan')],
    ['customers[0].companyName', (f: any) => (f.customers[0].companyName = 'Wingtip\u200b Toys')],
    ['customers[0].primaryContact.firstName', (f: any) => (f.customers[0].primaryContact.firstName = '\u202eevil')],
    ['acceptances[0].acceptedBy.lastName', (f: any) => (f.acceptances[0].acceptedBy.lastName = 'Ca\u2060rr')],
  ])('refuses an invisible or direction-changing character in %s, naming it, and writes nothing', async (field, change) => {
    const before = await dump(database.url);
    const file = exampleWith(`invisible-${kind}-${field}.json`, change);
    const run = await cli(database.url, ['import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr.startsWith(`Import refused, nothing was written: ${field}: must not contain invisible or direction-changing characters.`)).toBe(true);
    expect(await dump(database.url)).toEqual(before);
  });

  it('refuses a subscription for a relationship that does not exist, naming the row, and writes nothing', async () => {
    const before = await dump(database.url);
    const file = exampleWith(`bad-relationship-${kind}.json`, (f) => {
      f.partners.push(NEW_PARTNER);
      f.subscriptions.push({ ...f.subscriptions[0], id: '5a6b7c8d-0000-4000-8000-000000000002', partnerId: 'a1b2c3d4-0000-4000-8000-000000000003' });
    });
    const run = await cli(database.url, ['import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/subscriptions\[1\]/);
    expect(run.stderr).toMatch(/relationship/);
    expect(await dump(database.url)).toEqual(before);
  });

  it('rolls back rows already written when a later row is refused (a recorded acceptance cannot change)', async () => {
    const before = await dump(database.url);
    const file = exampleWith(`changed-acceptance-${kind}.json`, (f) => {
      f.partners.push(NEW_PARTNER);
      f.customers[0].companyName = 'Wingtip Toys Renamed';
      f.offers.push({ id: 'NEW-OFFER', name: 'New offer', billingType: 'USAGE' });
      f.acceptances[0].dateAgreed = '2019-10-16';
    });
    const run = await cli(database.url, ['import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/acceptances\[0\].*already recorded/);
    expect(await dump(database.url)).toEqual(before);
  });

  it('refuses a file that is not JSON', async () => {
    const file = join(dir, `broken-${kind}.json`);
    writeFileSync(file, '{ "partners": [');
    const before = await dump(database.url);
    const run = await cli(database.url, ['import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not readable JSON');
    expect(await dump(database.url)).toEqual(before);
  });

  it('demo loads the demo set: Contoso CSP sees 150 customers, 50 in each of ACCEPTED, OUTDATED and NOT_ACCEPTED', async () => {
    const demo = await bareDatabase(kind, dir);
    try {
      expect((await cli(demo.url, ['migrate'])).code).toBe(0);
      const run = await cli(demo.url, ['demo']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(summaryOf(run.stdout)).toMatchObject({ partners: [8, 0, 0], customers: [200, 0, 0], agreements: [1, 0, 0] });
      expect(await demoStatusCounts(demo.url)).toEqual({ all: 150, ACCEPTED: 50, OUTDATED: 50, NOT_ACCEPTED: 50, NOT_APPLICABLE: 0 });
      const tables = await dump(demo.url);
      const currentTemplates = tables.current_acceptances
        .map((row) => JSON.parse(row))
        .filter((row) => row.partner_id === DEMO_PARTNER_ID)
        .map((row) => row.template_id);
      expect(currentTemplates.filter((t) => t === DEMO_MCA_2025)).toHaveLength(50);
      expect(currentTemplates.filter((t) => t === MCA_V1)).toHaveLength(50);
    } finally {
      await demo.drop();
    }
  });
});

describe('the CLI token command', () => {
  const url = () => `sqlite:${join(dir, 'unused.sqlite')}`;

  it('prints a token that verifies with JWT_SECRET and carries tid, oid and roles', async () => {
    const run = await cli(url(), ['token', '--partner', 'p-x', '--roles', 'ADMIN_AGENT,SALES_AGENT', '--user', 'u-1', '--expires', '1h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const { payload, protectedHeader } = await jwtVerify(run.stdout.trim(), new TextEncoder().encode(SECRET), { algorithms: ['HS256'] });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ tid: 'p-x', oid: 'u-1', roles: ['ADMIN_AGENT', 'SALES_AGENT'] });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('does not sign with any other secret', async () => {
    const run = await cli(url(), ['token', '--partner', 'p-x', '--roles', 'ADMIN_AGENT']);
    await expect(jwtVerify(run.stdout.trim(), new TextEncoder().encode(`${SECRET}!`))).rejects.toThrow();
  });

  it('refuses an unknown role with exit code 2 and prints no token', async () => {
    const run = await cli(url(), ['token', '--partner', 'p-x', '--roles', 'ADMIN_AGENT,BOSS']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown role(s): BOSS');
  });

  it('refuses a token without --partner with exit code 2', async () => {
    const run = await cli(url(), ['token', '--roles', 'ADMIN_AGENT']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});
