import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, P, partners } from '../helpers/fixtures';

const PORTAL = 'https://portal.example.com';
const OTHER = 'https://elsewhere.example.com';
const REQUESTED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'ms-requestid', 'ms-correlationid', 'ms-cv', 'x-request-id'];
const EXPOSED_HEADERS = ['x-request-id', 'ms-requestid', 'ms-correlationid', 'idempotent-replayed', 'retry-after'];

const list = (value: string | null) => (value ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
const corsHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

describe.each(testDatabases())('CORS for browser pages (%s)', (kind) => {
  let app: TestApp;
  let plain: TestApp;
  let token: string;

  const preflight = (base: string, path: string, origin: string, method = 'POST') =>
    fetch(`${base}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': REQUESTED_HEADERS.join(',') },
    });

  beforeAll(async () => {
    app = await startApp(kind, { env: { CORS_ORIGINS: `${PORTAL}, http://localhost:5173`, RATE_LIMIT_BURST: '5', RATE_LIMIT_PER_SECOND: '0.01' } });
    plain = await startApp(kind);
    for (const a of [app, plain]) await a.seed({ partners: partners(), customers: [customer('C-1')] });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(async () => {
    await app.close();
    await plain.close();
  });

  it.each(['/graphql', '/v1/agreements', '/v1/customers/C-1/agreements'])('answers a preflight to %s from a listed origin with 204 and what it may send, without a token', async (path) => {
    const answer = await preflight(app.url, path, PORTAL);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(list(answer.headers.get('vary'))).toContain('origin');
    expect(list(answer.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['get', 'post']));
    expect(list(answer.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining(REQUESTED_HEADERS));
    expect(Number(answer.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await answer.text()).toBe('');
    expect((await preflight(app.url, path, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('gives a preflight from any other origin, or without CORS_ORIGINS, no allow headers', async () => {
    for (const [base, origin] of [
      [app.url, OTHER],
      [app.url, 'https://portal.example.com.evil.example'],
      [app.url, 'null'],
      [plain.url, PORTAL],
    ]) {
      for (const path of ['/graphql', '/v1/customers/C-1/agreements']) {
        const answer = await preflight(base, path, origin);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(corsHeaders(answer.headers)).toEqual([]);
      }
    }
  });

  it('lets a listed origin read answers and the headers a client needs, refusals included', async () => {
    const headers = { origin: PORTAL, 'content-type': 'application/json' };
    const ok = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { userId } }' }) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(list(ok.headers.get('vary'))).toContain('origin');
    expect(list(ok.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(EXPOSED_HEADERS));

    const unauthenticated = await fetch(`${app.url}/v1/agreements`, { headers: { origin: PORTAL } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(list(unauthenticated.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(EXPOSED_HEADERS));

    const other = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { ...headers, origin: OTHER, authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { userId } }' }) });
    expect(other.status).toBe(200); // the server answers; the browser keeps it from the page
    expect(corsHeaders(other.headers)).toEqual([]);
  });

  it('keeps Apollo\'s CSRF prevention: a simple POST from a listed origin is still refused', async () => {
    const answer = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { origin: PORTAL, 'content-type': 'text/plain', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { userId } }' }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/CSRF/);
  });

  it('exposes Retry-After on a rate-limited answer to a listed origin', async () => {
    const limited = await app.token(P.other, ['ADMIN_AGENT']);
    let answer!: Response;
    for (let i = 0; i < 6; i++) {
      answer = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { origin: PORTAL, 'content-type': 'application/json', authorization: `Bearer ${limited}` },
        body: JSON.stringify({ query: '{ me { userId } }' }),
      });
    }
    expect(answer.status).toBe(429);
    expect(answer.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(answer.headers.get('retry-after')).not.toBeNull();
  });
});
