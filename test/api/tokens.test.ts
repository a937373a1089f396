import { exportJWK, generateKeyPair, type JWK, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import { startApp, TEST_SECRET, type TestApp } from '../helpers/app';
import { startAppWithJwks } from '../helpers/jwks';
import { testDatabases } from '../helpers/databases';
import { P, partners } from '../helpers/fixtures';

const ME = '{ me { userId } }';
const now = () => Math.floor(Date.now() / 1000);
const encode = (text: string) => new TextEncoder().encode(text);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims of a valid token of the direct partner; each case changes exactly one thing. */
const CLAIMS: JWTPayload = { tid: P.direct, oid: 'user-1', sub: 'subject-1', roles: ['ADMIN_AGENT'] };

interface SignOptions {
  secret?: string;
  /** `exp` in seconds since the epoch; null: no `exp` at all. */
  exp?: number | null;
  issuer?: string;
  audience?: string;
}

async function hs256(claims: JWTPayload = CLAIMS, options: SignOptions = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 3600);
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(encode(options.secret ?? TEST_SECRET));
}

const without = (claim: string): JWTPayload => Object.fromEntries(Object.entries(CLAIMS).filter(([name]) => name !== claim));

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, any> }[] };
}

async function ask(url: string, authorization: string | undefined, query = ME): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

function expectRefused(answer: Answer): void {
  expect(answer.status).toBe(401);
  expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors![0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
}

function expectAccepted(answer: Answer, userId = 'user-1'): void {
  expect(answer.body).toEqual({ data: { me: { userId } } });
  expect(answer.status).toBe(200);
}

describe.each(testDatabases())('tokens (%s)', (kind) => {
  describe('with an HS256 secret', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startApp(kind);
      await app.seed({ partners: partners() });
    });
    afterAll(() => app.close());

    it('accepts a valid token of a known partner (the baseline every refusal below differs from by one thing)', async () => {
      expectAccepted(await ask(app.url, `Bearer ${await hs256()}`));
    });

    it('refuses a request without an Authorization header', async () => {
      expectRefused(await ask(app.url, undefined));
    });

    it('refuses an Authorization header of another scheme', async () => {
      expectRefused(await ask(app.url, 'Basic xyz'));
    });

    it('refuses a malformed token', async () => {
      expectRefused(await ask(app.url, 'Bearer abc.def'));
    });

    it('refuses a token signed with another secret', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { secret: `another ${TEST_SECRET}` })}`));
    });

    it('refuses an unsigned token (alg: none)', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...CLAIMS, iat: now(), exp: now() + 3600 })}.`;
      expectRefused(await ask(app.url, `Bearer ${token}`));
    });

    it('refuses a token with the signature of another payload', async () => {
      const [header, , signature] = (await hs256()).split('.');
      const forged = `${header}.${b64url({ ...CLAIMS, tid: P.other, iat: now(), exp: now() + 3600 })}.${signature}`;
      expectRefused(await ask(app.url, `Bearer ${forged}`));
    });

    it('refuses a token that expired more than the 30 s clock tolerance ago', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { exp: now() - 90 })}`));
    });

    it('accepts a token that expired within the 30 s clock tolerance', async () => {
      expectAccepted(await ask(app.url, `Bearer ${await hs256(CLAIMS, { exp: now() - 10 })}`));
    });

    it('refuses a token without an expiry', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { exp: null })}`));
    });

    it('refuses a token of a partner the database does not know', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256({ ...CLAIMS, tid: 'p-unknown' })}`));
    });

    it('refuses a token without tid', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(without('tid'))}`));
    });

    it('refuses a token with neither oid nor sub', async () => {
      const claims = { tid: P.direct, roles: ['ADMIN_AGENT'] };
      expectRefused(await ask(app.url, `Bearer ${await hs256(claims)}`));
    });

    it('refuses roles given as a string rather than an array', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256({ ...CLAIMS, roles: 'ADMIN_AGENT' })}`));
    });

    it('takes the user id from oid over sub, and from sub when there is no oid', async () => {
      expectAccepted(await ask(app.url, `Bearer ${await hs256({ ...CLAIMS, oid: 'from-oid', sub: 'from-sub' })}`), 'from-oid');
      expectAccepted(await ask(app.url, `Bearer ${await hs256(without('oid'))}`), 'subject-1');
    });

    it('does not answer any field to a refused caller, not even __typename', async () => {
      expectRefused(await ask(app.url, undefined, '{ __typename }'));
    });
  });

  describe('with JWT_ISSUER and JWT_AUDIENCE', () => {
    const issuer = 'https://login.example.com/tenant/v2.0';
    const audience = 'api://mca-acceptance';
    let app: TestApp;

    beforeAll(async () => {
      app = await startApp(kind, { env: { JWT_ISSUER: issuer, JWT_AUDIENCE: audience } });
      await app.seed({ partners: partners() });
    });
    afterAll(() => app.close());

    it('accepts a token of the right issuer and audience', async () => {
      expectAccepted(await ask(app.url, `Bearer ${await hs256(CLAIMS, { issuer, audience })}`));
    });

    it('refuses a token of another issuer', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { issuer: 'https://evil.example.com/', audience })}`));
    });

    it('refuses a token for another audience', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { issuer, audience: 'api://another' })}`));
    });

    it('refuses a token that names no issuer or no audience', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { audience })}`));
      expectRefused(await ask(app.url, `Bearer ${await hs256(CLAIMS, { issuer })}`));
    });
  });

  describe('with keys from JWT_JWKS_URL', () => {
    let app: TestApp;
    let stopApp: () => Promise<void>;
    let rsa: KeyLike;
    let ec: KeyLike;
    let stranger: KeyLike;

    const signed = (alg: 'RS256' | 'ES256', kid: string, key: KeyLike, claims: JWTPayload = CLAIMS) =>
      new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(key);

    beforeAll(async () => {
      const rsaPair = await generateKeyPair('RS256');
      const ecPair = await generateKeyPair('ES256');
      stranger = (await generateKeyPair('RS256')).privateKey;
      rsa = rsaPair.privateKey;
      ec = ecPair.privateKey;
      const keys: JWK[] = [
        { ...(await exportJWK(rsaPair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      ];
      ({ app, close: stopApp } = await startAppWithJwks(kind, keys));
    });
    afterAll(() => stopApp?.());

    it('has no HS256 secret at all', () => {
      expect(app.config.tokens.secret).toBeUndefined();
    });

    it('accepts an RS256 token signed with a published key', async () => {
      expectAccepted(await ask(app.url, `Bearer ${await signed('RS256', 'rsa-1', rsa)}`));
    });

    it('accepts an ES256 token signed with a published key', async () => {
      expectAccepted(await ask(app.url, `Bearer ${await signed('ES256', 'ec-1', ec)}`));
    });

    it('refuses an HS256 token, even one signed with the secret other servers use', async () => {
      expectRefused(await ask(app.url, `Bearer ${await hs256()}`));
    });

    it('refuses an RS256 token signed with a key that is not published', async () => {
      expectRefused(await ask(app.url, `Bearer ${await signed('RS256', 'rsa-1', stranger)}`));
      expectRefused(await ask(app.url, `Bearer ${await signed('RS256', 'rsa-unknown', stranger)}`));
    });

    it('still checks the claims: an RS256 token of an unknown partner is refused', async () => {
      expectRefused(await ask(app.url, `Bearer ${await signed('RS256', 'rsa-1', rsa, { ...CLAIMS, tid: 'p-unknown' })}`));
    });
  });
});
