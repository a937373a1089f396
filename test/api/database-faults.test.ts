import pino from 'pino';
import { createDataSource } from '../../ormconfig';
import { signToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config';
import { type AppServer, createServer } from '../../src/server';
import { Database } from '../../src/shared/unit-of-work';
import { TEST_SECRET } from '../helpers/app';
import { type ScratchDatabase, scratchDatabase, seedDatabase, testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

// The database's network path only exists for MySQL/MariaDB; SQLite is embedded in the process.
// Without TEST_DATABASE_URL the suite is skipped: Jest fails a describe.each of no rows.
const kinds = testDatabases().filter((kind) => kind === 'mysql');
const describeKinds = kinds.length > 0 ? describe.each(kinds) : describe.skip.each(['mysql']);

describeKinds('when the database stops answering (%s)', () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  let server: AppServer;
  let proxied: ReturnType<typeof createDataSource>;
  let base: string;
  let token: string;

  const ask = async () => {
    const started = Date.now();
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ customers(first: 5) { totalCount } }' }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
    return { status: response.status, body, retryAfter: response.headers.get('retry-after'), ms: Date.now() - started };
  };
  const ready = async () => (await fetch(`${base}/readyz`)).status;

  beforeAll(async () => {
    scratch = await scratchDatabase('mysql');
    await seedDatabase(scratch.dataSource, { partners: partners(), offers: offers(), customers: [customer('F-1')] });
    const url = new URL(scratch.url);
    proxy = await startTcpProxy(url.hostname, Number(url.port || 3306));
    url.host = `127.0.0.1:${proxy.port}`;
    proxied = createDataSource(url.toString(), { statementTimeoutMs: 1500 });
    await proxied.initialize();
    const config = loadConfig({ JWT_SECRET: TEST_SECRET, NODE_ENV: 'test' });
    server = await createServer({ config, db: new Database(proxied), logger: pino({ level: 'silent' }) });
    base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
    token = await signToken(config.tokens, { partnerId: P.direct, userId: 'u', roles: ['ADMIN_AGENT'], expiresIn: '10m' });
  });
  afterAll(async () => {
    await server?.close();
    await proxied?.destroy().catch(() => undefined);
    await proxy?.close();
    await scratch?.drop();
  });

  it('answers normally through the proxy', async () => {
    expect((await ask()).body).toEqual({ data: { customers: { totalCount: 1 } } });
    expect(await ready()).toBe(200);
  });

  it('fails fast with SERVICE_UNAVAILABLE and 503 when the connection is cut, and recovers by itself', async () => {
    await proxy.cut();
    const failures = [await ask(), await ask(), await ask()];
    for (const failure of failures) {
      expect(failure.status).toBe(503);
      expect(failure.retryAfter).toBe('5');
      expect(failure.body.errors![0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(failure.ms).toBeLessThan(2000);
    }
    expect(await ready()).toBe(503);
    console.log(`cut: failed in ${failures.map((f) => f.ms).join(', ')} ms`);

    await proxy.restore();
    const restored = Date.now();
    let answer = await ask();
    while (answer.status !== 200 && Date.now() - restored < 10_000) answer = await ask();
    console.log(`cut: recovered ${Date.now() - restored} ms after the database came back`);
    expect(answer.body).toEqual({ data: { customers: { totalCount: 1 } } });
    expect(await ready()).toBe(200);
  });

  it('fails within 2 s when the database accepts connections but answers nothing, and recovers', async () => {
    proxy.blackhole();
    const failure = await ask();
    expect(failure.status).toBe(503);
    expect(failure.body.errors![0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect(failure.ms).toBeLessThan(2000);
    console.log(`blackhole: failed in ${failure.ms} ms`);

    await proxy.restore();
    const restored = Date.now();
    let answer = await ask();
    while (answer.status !== 200 && Date.now() - restored < 10_000) answer = await ask();
    console.log(`blackhole: recovered ${Date.now() - restored} ms after the database came back`);
    expect(answer.status).toBe(200);
  });

  it('refuses mutations the same way while the database is away, writing nothing', async () => {
    await proxy.cut();
    try {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation { confirmCustomerAcceptance(input: { customerId: "F-1", dateAgreed: "2026-11-20" }) { acceptance { id } } }',
        }),
      });
      expect(response.status).toBe(503);
    } finally {
      await proxy.restore();
    }
    const [row] = await scratch.dataSource.query('SELECT COUNT(*) AS n FROM acceptances');
    expect(Number(row.n)).toBe(0);
  });
});
