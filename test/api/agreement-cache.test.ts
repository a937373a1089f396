import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';
import { manualClock } from '../helpers/clock';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, offers, P, partners, template } from '../helpers/fixtures';

const MCA_V2 = 'c5d1e7a0-2025-4000-8000-0000000cache2';
const STATUS = '{ customer(id: "AC-1") { agreementStatus { status latestAgreement { templateId } } } }';

/**
 * AGREEMENT_CACHE_SECONDS: a server keeps the agreement versions it has read
 * for that long, so a version another process publishes (the CLI import) is
 * seen by it within that time, and not before the time it read them is that old.
 */
describe.each(testDatabases())('agreement versions published by another process (%s)', (kind) => {
  const clock = manualClock('2026-11-20T12:00:00.000Z');
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    app = await startApp(kind, { clock, sharedDatabase: true, env: { AGREEMENT_CACHE_SECONDS: '5' } });
    dir = mkdtempSync(join(tmpdir(), 'agreement-cache-'));
    await app.seed({ partners: partners(), offers: offers(), customers: [customer('AC-1')], acceptances: [acceptance('ACA-1', 'AC-1', P.direct)] });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async () => {
    const reply = await app.gql(await app.token(P.direct, ['ADMIN_AGENT']), STATUS);
    expect(reply.body.errors).toBeUndefined();
    const s = reply.body.data!.customer.agreementStatus as { status: string; latestAgreement: { templateId: string } };
    return `${s.status} ${s.latestAgreement.templateId}`;
  };

  it('are served from what the server read until AGREEMENT_CACHE_SECONDS have passed since, then seen', async () => {
    // The server reads the versions now: version 1 is the latest, and the customer accepted it.
    expect(await status()).toMatch(/^ACCEPTED 117a77b0/);

    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify({ agreements: [template(MCA_V2, 2, { effectiveDate: '2026-01-01' })] }));
    const run = await cli(app.databaseUrl, ['import', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [stored] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM agreement_templates WHERE id = ?', [MCA_V2]);
    expect(Number(stored.n)).toBe(1);

    // Stored, but this server still goes by what it read, up to 5 seconds after reading it.
    expect(await status()).toMatch(/^ACCEPTED 117a77b0/);
    clock.advance(4_999);
    expect(await status()).toMatch(/^ACCEPTED 117a77b0/);
    // Then it reads them again: version 2 is the latest, and the customer's acceptance of version 1 is OUTDATED.
    clock.advance(2);
    expect(await status()).toBe(`OUTDATED ${MCA_V2}`);
  });
});
