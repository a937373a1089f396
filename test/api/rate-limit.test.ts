import { setTimeout as sleep } from 'node:timers/promises';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';

describe.each(testDatabases())('per-partner rate limits (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind, { env: { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST: '3' } });
    await app.seed({ partners: partners(), offers: offers(), customers: [customer('R-1')] });
  });
  afterAll(() => app.close());

  it('lets a partner burst, then answers 429 with Retry-After, while other partners go on', async () => {
    const busy = await app.token(P.direct, ['ADMIN_AGENT']);
    const quiet = await app.token(P.other, ['ADMIN_AGENT']);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await app.gql(busy, '{ me { userId } }'));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[3].status).toBe(429);
    expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answers[3].body.errors![0].extensions!.code).toBe('RATE_LIMITED');

    expect((await app.gql(quiet, '{ me { userId } }')).status).toBe(200);

    // a keyed mutation is refused the same way, not stored
    const keyed = await app.gql(busy, 'mutation { confirmCustomerAcceptance(input: { customerId: "R-1", dateAgreed: "2026-01-05" }) { acceptance { id } } }', undefined, {
      'Idempotency-Key': 'limited',
    });
    expect(keyed.status).toBe(429);

    await sleep(1100);
    expect((await app.gql(busy, '{ me { userId } }')).status).toBe(200);
  });
});
