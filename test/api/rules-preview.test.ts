import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type TestApp } from '../helpers/app';
import { cli } from '../helpers/cli';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, offers, P, partners, template } from '../helpers/fixtures';

const RULE = { acceptedBefore: '2023-04-01', outdatedFrom: '2027-06-01' };

/** `cli rules preview FILE`: per partner, what a file's rules and versions would make OUTDATED and from when, writing nothing. */
describe.each(testDatabases())('cli rules preview (%s)', (kind) => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    app = await startApp(kind, { sharedDatabase: true });
    dir = mkdtempSync(join(tmpdir(), 'rules-preview-'));
    const before = (id: string, customerId: string, partnerId: string) => acceptance(id, customerId, partnerId, { dateAgreed: '2023-01-10', recordedAt: '2023-01-10T10:00:00.000Z' });
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: [
        customer('PV-1', { partnerIds: [P.direct, P.gov] }),
        customer('PV-2', { partnerIds: [P.direct] }),
        customer('PV-3', { partnerIds: [P.provider] }),
        customer('PV-4', { partnerIds: [P.provider] }),
      ],
      acceptances: [
        before('PVA-1', 'PV-1', P.direct),
        before('PVA-1G', 'PV-1', P.gov),
        acceptance('PVA-2', 'PV-2', P.direct, { dateAgreed: '2023-06-01', recordedAt: '2023-06-01T10:00:00.000Z' }),
        before('PVA-3', 'PV-3', P.provider),
        before('PVA-4', 'PV-4', P.provider),
      ],
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const preview = async (file: object) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(file));
    return cli(app.databaseUrl, ['rules', 'preview', path]);
  };
  const written = async () => {
    const [rules] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM reacceptance_rules');
    const [fanouts] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM status_fanouts');
    const [templates] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM agreement_templates');
    return [Number(rules.n), Number(fanouts.n), Number(templates.n)];
  };

  it('counts, per partner in the public cloud, the customers a rule would make OUTDATED, and writes nothing', async () => {
    const stored = await written();
    const run = await preview({ agreements: [template(MCA_V1, 1, { effectiveDate: '2019-10-01', reacceptance: RULE })] });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      `re-acceptance rule of ${MCA_V1}: 3 customers OUTDATED from 2027-06-01`,
      `  ${P.direct}  Direct Partner: 1`,
      `  ${P.provider}  Provider Partner: 2`,
    ]);
    expect(await written()).toEqual(stored);
  });

  it('counts what a new version would make OUTDATED from its day', async () => {
    const run = await preview({ agreements: [template('PV-V2', 2, { effectiveDate: '2027-02-01' })] });
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      'version PV-V2: 4 customers OUTDATED from 2027-02-01',
      `  ${P.direct}  Direct Partner: 2`,
      `  ${P.provider}  Provider Partner: 2`,
    ]);
  });

  it('refuses a file the import would refuse, naming the field', async () => {
    const run = await preview({ agreements: [template(MCA_V1, 1, { reacceptance: { acceptedBefore: '2023-04-01', outdatedFrom: 'soon' } })] });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/agreements\[0\]\.reacceptance\.outdatedFrom must be a calendar date/);
  });
});
