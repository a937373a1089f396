import { WebSocket } from 'ws';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';
import { median, type TimedAnswer, timedPost } from '../helpers/raw-http';

/** A mutation of about 490,000 tokens in a body just under 1 MB: parsing it whole takes most of a second. */
const HUGE_MUTATION = JSON.stringify({ query: `mutation { ${'a '.repeat(489_997)}}` });
const SMALL_MUTATION = JSON.stringify({ query: 'mutation { a }' });
const JSON_CONTENT = { 'content-type': 'application/json' };

const codeOf = (answer: TimedAnswer) => JSON.parse(answer.text).errors?.[0]?.extensions?.code ?? JSON.parse(answer.text).data?.[0]?.code;

describe.each(testDatabases())('what is done before the caller is known (%s)', (kind) => {
  let app: TestApp;
  let token: string;
  const graphql = () => `${app.url}/graphql`;

  beforeAll(async () => {
    // Many unauthenticated requests are sent on purpose here: the per-address limit is tested below.
    app = await startApp(kind, { env: { RATE_LIMIT_UNAUTHENTICATED_BURST: '10000', RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '10000' } });
    await app.seed({ partners: partners(), offers: offers(), customers: [customer('O-1')] });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  it('answers a huge keyed mutation without a token with 401 as fast as a small one, without reading it', async () => {
    const headers = { ...JSON_CONTENT, 'idempotency-key': 'no-token' };
    const small: number[] = [];
    const huge: number[] = [];
    for (let i = 0; i < 10; i++) {
      const a = await timedPost(graphql(), headers, SMALL_MUTATION).answer;
      const b = await timedPost(graphql(), headers, HUGE_MUTATION).answer;
      for (const answer of [a, b]) {
        expect(answer.status).toBe(401);
        expect(codeOf(answer)).toBe('UNAUTHENTICATED');
      }
      expect(b.headers.connection).toBe('close');
      small.push(a.ms);
      huge.push(b.ms);
    }
    console.log(`401 without a token, median of 10: small body ${median(small).toFixed(1)} ms, ~490,000-token body with Idempotency-Key ${median(huge).toFixed(1)} ms`);
    expect(median(huge)).toBeLessThan(Math.max(3 * median(small), median(small) + 25));
  });

  it('answers a signed-in caller at once while six huge keyed mutations without a token arrive', async () => {
    const ME = JSON.stringify({ query: '{ me { userId } }' });
    const signedIn = { ...JSON_CONTENT, authorization: `Bearer ${token}` };
    const alone: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await timedPost(graphql(), signedIn, ME).answer;
      expect(answer.status).toBe(200);
      alone.push(answer.ms);
    }
    const huge = Array.from({ length: 6 }, (_, i) => timedPost(graphql(), { ...JSON_CONTENT, 'idempotency-key': `parallel-${i}` }, HUGE_MUTATION));
    await Promise.all(huge.map((h) => h.delivered));
    const meanwhile = await timedPost(graphql(), signedIn, ME).answer;
    expect(meanwhile.status).toBe(200);
    expect(JSON.parse(meanwhile.text)).toEqual({ data: { me: { userId: 'user-1' } } });
    for (const answer of await Promise.all(huge.map((h) => h.answer))) expect(answer.status).toBe(401);
    console.log(
      `{ me { userId } } signed in: alone (median of 5) ${median(alone).toFixed(1)} ms, while 6 ~490,000-token bodies without a token arrive ${meanwhile.ms.toFixed(1)} ms`,
    );
    expect(meanwhile.ms).toBeLessThan(Math.max(5 * median(alone), median(alone) + 250));
  });

  it('refuses a caller without a valid token before looking at the body: 401, not 400 or 413', async () => {
    const bad = { ...JSON_CONTENT, authorization: 'Bearer not.a.token' };
    for (const [body, headers] of [
      ['{"query": "{ me { userId } }"', JSON_CONTENT],
      ['{"query": "{ me { userId } }"', bad],
      [`{"query": "{ me { userId } }", "x": "${'x'.repeat(2 * 1024 * 1024)}"}`, JSON_CONTENT],
      ['{"query": "{ me { userId } }"}', { 'content-type': 'text/plain' }],
    ] as const) {
      const answer = await timedPost(graphql(), headers, body).answer;
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(answer.text)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    const rest = await timedPost(`${app.url}/v1/customers/O-1/agreements`, { ...JSON_CONTENT, 'ms-requestid': 'no-token' }, '{"dateAgreed": ').answer;
    expect(rest.status).toBe(401);
    expect(JSON.parse(rest.text)).toMatchObject({ code: 400, data: [{ code: 'UNAUTHENTICATED' }] });
    const get = await fetch(`${graphql()}?query=${encodeURIComponent('{ me { userId } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(401);
  });

  it('shows Apollo\'s landing page to a browser without a token outside production', async () => {
    const answer = await fetch(graphql(), { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('checks a signed-in caller against the partner rate limit before reading the body', async () => {
    const limited = await startApp(kind, { env: { RATE_LIMIT_BURST: '1', RATE_LIMIT_PER_SECOND: '0.01' } });
    try {
      await limited.seed({ partners: partners() });
      const signedIn = { ...JSON_CONTENT, authorization: `Bearer ${await limited.token(P.direct, ['ADMIN_AGENT'])}` };
      expect((await timedPost(`${limited.url}/graphql`, signedIn, '{"query": "{ me { userId } }"}').answer).status).toBe(200);
      const over = await timedPost(`${limited.url}/graphql`, signedIn, '{"query": ').answer;
      expect(over.status).toBe(429);
      expect(codeOf(over)).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

describe.each(testDatabases())('rate limit of requests without a valid token (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind, { env: { RATE_LIMIT_UNAUTHENTICATED_BURST: '3', RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '0.5' } });
    await app.seed({ partners: partners() });
  });
  afterAll(() => app.close());

  it('refuses one address past its burst with 429 RATE_LIMITED, on GraphQL and REST, while signed-in callers go on', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await app.gql(i === 1 ? 'not.a.token' : null, '{ me { userId } }'));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    const over = await app.gql(null, '{ me { userId } }');
    expect(over.status).toBe(429);
    expect(over.body.errors![0].extensions!.code).toBe('RATE_LIMITED');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const rest = await app.rest('GET', '/v1/agreements');
    expect(rest.status).toBe(429);
    expect(rest.json()).toMatchObject({ data: [{ code: 'RATE_LIMITED' }] });

    const signedIn = await app.gql(await app.token(P.direct, ['ADMIN_AGENT']), '{ me { userId } }');
    expect(signedIn.status).toBe(200);
  });
});

describe.each(testDatabases())('rate limit of WebSocket sign-ins without a valid token (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind, { env: { RATE_LIMIT_UNAUTHENTICATED_BURST: '3', RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '0.5' } });
    await app.seed({ partners: partners() });
  });
  afterAll(() => app.close());

  /** How the server answers a WebSocket that signs in with `authorization`: acknowledged, or closed with a code and reason. */
  const signIn = (authorization: string | undefined) =>
    new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const socket = new WebSocket(`${app.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} })));
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type !== 'connection_ack') return;
        resolve({ code: 0, reason: 'acknowledged' });
        socket.close();
      });
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.on('error', reject);
    });

  it('counts a refused sign-in in the bucket of its address that HTTP uses: 4401 within it, 4429 past it, and HTTP is refused with 429', async () => {
    const refused = [];
    for (let i = 0; i < 3; i++) refused.push(await signIn(i === 1 ? 'Bearer not.a.token' : undefined));
    expect(refused.map((answer) => answer.code)).toEqual([4401, 4401, 4401]);
    const over = await signIn(undefined);
    expect(over).toEqual({ code: 4429, reason: expect.stringMatching(/^Too many requests without a valid token from your address; retry in \d+ s\.$/) });
    expect((await app.gql(null, '{ me { userId } }')).status).toBe(429);

    expect(await signIn(`Bearer ${await app.token(P.direct, ['ADMIN_AGENT'])}`)).toEqual({ code: 0, reason: 'acknowledged' });
  });
});
