import { setTimeout as sleep } from 'node:timers/promises';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, P, partners } from '../helpers/fixtures';

const CONFIRM = 'mutation { confirmCustomerAcceptance(input: { customerId: "PC-1", dateAgreed: "2026-01-05" }) { acceptance { id } } }';

describe.each(testDatabases())('partners remembered between requests (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind, { env: { PARTNER_CACHE_SECONDS: '1' } });
    await app.seed({ partners: partners(), customers: [customer('PC-1', { partnerIds: [P.reseller] })] });
  });
  afterAll(() => app.close());

  it('signs in a partner imported after a refused attempt at once, and sees a changed partner type within the cache time', async () => {
    const newcomer = await app.token('p-newcomer', ['ADMIN_AGENT']);
    expect((await app.gql(newcomer, '{ me { userId } }')).status).toBe(401);
    await app.seed({ partners: [{ id: 'p-newcomer', name: 'Newcomer', type: 'DIRECT_BILL', cloud: 'PUBLIC' }] });
    expect((await app.gql(newcomer, '{ me { userId } }')).status).toBe(200);

    const reseller = await app.token(P.reseller, ['ADMIN_AGENT']);
    expect((await app.gql(reseller, CONFIRM)).body.errors![0].extensions!.code).toBe('FORBIDDEN');
    await app.seed({ partners: partners().map((p) => (p.id === P.reseller ? { ...p, type: 'DIRECT_BILL' } : p)) });
    await sleep(1100);
    const { body } = await app.gql(reseller, CONFIRM);
    expect(body.errors).toBeUndefined();
    expect(body.data!.confirmCustomerAcceptance.acceptance.id).toEqual(expect.any(String));
  });
});
