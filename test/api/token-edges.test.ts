import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import { startApp, TEST_SECRET, type TestApp } from '../helpers/app';
import { startAppWithJwks } from '../helpers/jwks';
import { testDatabases } from '../helpers/databases';
import { customer, P, partners } from '../helpers/fixtures';
import { hostileString, hostileValue } from '../helpers/hostile';

/**
 * Token edge cases beyond test/api/tokens.test.ts: algorithm confusion, clock
 * skew on exp, nbf and iat, roles of odd types, user ids the records cannot
 * hold, and signed tokens with any claims at all.
 */

const HANG_MS = 5_000;
const now = () => Math.floor(Date.now() / 1000);
const encode = (text: string) => new TextEncoder().encode(text);

/** Claims of a valid token of the direct partner; each case changes one thing. */
const CLAIMS: JWTPayload = { tid: P.direct, oid: 'user-1', roles: ['ADMIN_AGENT'] };

interface TimeClaims {
  exp?: unknown;
  nbf?: unknown;
  iat?: unknown;
}

/** An HS256 token with the claims as given (times included, so that any value can be sent). */
const hs256 = (claims: JWTPayload, times: TimeClaims = {}, secret: Uint8Array = encode(TEST_SECRET), header: Record<string, unknown> = {}) =>
  new SignJWT({ iat: now(), exp: now() + 3600, ...claims, ...times } as JWTPayload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
    .sign(secret);

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { extensions?: Record<string, unknown> }[] };
}

async function ask(url: string, token: string, query = '{ me { userId roles } }', variables?: unknown): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(HANG_MS),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const accepted = (answer: Answer) => {
  expect(answer.body.errors).toBeUndefined();
  expect(answer.status).toBe(200);
};

const refused = (answer: Answer) => {
  expect(answer.status).toBe(401);
  expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
};

const CONFIRM = `mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id recordedBy { userId } } } }`;

describe.each(testDatabases())('token edges (%s)', (kind) => {
  describe('with an HS256 secret', () => {
    let app: TestApp;
    let n = 0;
    const today = new Date().toISOString().slice(0, 10);
    /** A confirmation with a new signatory each time, so that the duplicate rule never refuses it. */
    const confirm = (token: string) =>
      ask(app.url, token, CONFIRM, {
        input: { customerId: 'T-1', dateAgreed: today, acceptedBy: { firstName: `Signer ${++n}`, lastName: 'Edge', email: `signer-${n}@example.com` } },
      });
    const storedUserId = async (acceptanceId: string) =>
      (await app.db.query<{ recorded_by_user_id: string }>('SELECT recorded_by_user_id FROM acceptances WHERE id = ?', [acceptanceId]))[0]
        ?.recorded_by_user_id;

    beforeAll(async () => {
      app = await startApp(kind, { env: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', RATE_LIMIT_UNAUTHENTICATED_PER_SECOND: '1000000', RATE_LIMIT_UNAUTHENTICATED_BURST: '1000000' } });
      await app.seed({ partners: partners(), customers: [customer('T-1')] });
    });
    afterAll(() => app.close());

    it('refuses an HS256 token whose secret is an RSA public key in PEM (algorithm confusion)', async () => {
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      refused(await ask(app.url, await hs256(CLAIMS, {}, encode(await exportSPKI(publicKey)))));
    });

    describe('clock skew (30 s tolerated)', () => {
      it('refuses a token that expired 60 s ago', async () => {
        refused(await ask(app.url, await hs256(CLAIMS, { exp: now() - 60 })));
      });

      it('accepts a token that becomes valid in 10 s (nbf), and refuses one that does in 60 s', async () => {
        accepted(await ask(app.url, await hs256(CLAIMS, { nbf: now() + 10 })));
        refused(await ask(app.url, await hs256(CLAIMS, { nbf: now() + 60 })));
      });

      it('takes iat as information, not as a bound: a token issued an hour "from now" is accepted while exp and nbf allow it', async () => {
        accepted(await ask(app.url, await hs256(CLAIMS, { iat: now() + 3600, exp: now() + 7200 })));
      });

      it.each([
        ['exp is text', { exp: String(now() + 3600) }],
        ['nbf is text', { nbf: 'yesterday' }],
        ['iat is text', { iat: 'now' }],
        ['exp is null', { exp: null }],
      ])('refuses a token whose %s rather than a number', async (_claim, times) => {
        refused(await ask(app.url, await hs256(CLAIMS, times)));
      });
    });

    it('ignores role names that are not strings, as it ignores unknown ones', async () => {
      const answer = await ask(app.url, await hs256({ ...CLAIMS, roles: [null, 1, { name: 'ADMIN_AGENT' }, ['SALES_AGENT'], 'HELPDESK_AGENT'] }));
      accepted(answer);
      expect(answer.body.data!.me.roles).toEqual(['HELPDESK_AGENT']);
    });

    describe('the user id, recorded with every acceptance and order', () => {
      it('is taken as it is, up to 128 characters (emoji count as one), and stored exactly', async () => {
        for (const oid of ['u'.repeat(128), '😀'.repeat(128), " O'Brien; DROP TABLE acceptances; -- "]) {
          const answer = await confirm(await hs256({ ...CLAIMS, oid }));
          accepted(answer);
          const recorded = answer.body.data!.confirmCustomerAcceptance.acceptance;
          expect(recorded.recordedBy.userId).toBe(oid);
          expect(await storedUserId(recorded.id)).toBe(oid);
        }
      });

      // Found with the property below: a longer one was a 500 on MySQL, a lone surrogate stored as U+FFFD.
      it.each([
        ['is longer than 128 characters', { oid: 'u'.repeat(129) }],
        ['is longer than 128 characters (from sub)', { oid: undefined, sub: 's'.repeat(129) }],
        ['holds a control character', { oid: 'user\u0000one' }],
        ['holds a line break', { oid: 'user\none' }],
        ['is not well-formed Unicode', { oid: 'user\ud800' }],
      ])('refuses a token whose user id %s with 401, recording nothing', async (_what, ids) => {
        const before = await app.db.query('SELECT COUNT(*) AS n FROM acceptances');
        refused(await confirm(await hs256({ ...CLAIMS, ...ids })));
        expect(await app.db.query('SELECT COUNT(*) AS n FROM acceptances')).toEqual(before);
      });
    });

    it('property: a correctly signed token with any claims is accepted or refused with 401, never a 5xx; what it records is its user id, exactly', async () => {
      // Mostly a valid claim, so that the others get looked at too; sometimes anything, sometimes none.
      const claim = (valid: fc.Arbitrary<unknown>) =>
        fc.oneof({ weight: 5, arbitrary: valid }, { weight: 2, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant(undefined) });
      const claims = fc.record({
        tid: claim(fc.oneof({ weight: 4, arbitrary: fc.constant(P.direct) }, fc.constantFrom(P.reseller, P.gov, 'p-unknown', ` ${P.direct}`, P.direct.toUpperCase()))),
        oid: claim(fc.oneof(fc.constantFrom('user-1', 'u'.repeat(128), 'u'.repeat(129), '😀'.repeat(128), '😀'.repeat(129)), hostileString)),
        sub: claim(fc.oneof(fc.constantFrom('subject-1', 's'.repeat(129)), hostileString)),
        roles: claim(fc.oneof(fc.constant(['ADMIN_AGENT']), fc.array(fc.oneof(fc.constantFrom('ADMIN_AGENT', 'SALES_AGENT', 'admin_agent'), hostileValue), { maxLength: 3 }))),
        exp: claim(fc.integer({ min: now() - 120, max: now() + 86_400 })),
        nbf: fc.option(fc.integer({ min: now() - 120, max: now() + 120 }), { nil: undefined }),
        iat: fc.option(fc.integer({ min: now() - 86_400, max: now() + 86_400 }), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(claims, async (c) => {
          const { exp, nbf, iat, ...identity } = c;
          const times = Object.fromEntries(Object.entries({ exp, nbf, iat }).filter(([, v]) => v !== undefined));
          const payload = Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) as JWTPayload;
          const token = await new SignJWT({ ...payload, ...times } as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(encode(TEST_SECRET));
          fc.pre(token.length < 12_000); // past Node's 16 KB of headers the HTTP parser answers 431 (see hostile-input.test.ts)
          const answer = await confirm(token);
          expect(answer.status).toBeLessThan(500);
          if (answer.status === 401) return refused(answer);
          expect(answer.status).toBe(200);
          for (const error of answer.body.errors ?? []) expect(['FORBIDDEN', 'AGREEMENT_NOT_SUPPORTED_IN_CLOUD', 'NOT_FOUND']).toContain(error.extensions?.code);
          const recorded = answer.body.data?.confirmCustomerAcceptance?.acceptance;
          if (recorded) {
            const userId = typeof c.oid === 'string' && c.oid ? c.oid : c.sub;
            expect(recorded.recordedBy.userId).toBe(userId);
            expect(await storedUserId(recorded.id)).toBe(userId);
          }
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('with keys from JWT_JWKS_URL', () => {
    let app: TestApp;
    let stopApp: () => Promise<void>;
    let rsaPublic: KeyLike;
    let published: JWK;

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      rsaPublic = pair.publicKey;
      published = { ...(await exportJWK(pair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
      ({ app, close: stopApp } = await startAppWithJwks(kind, [published]));
    });
    afterAll(() => stopApp?.());

    // The attack: a verifier that takes the algorithm from the token would check this HMAC with the public key as its secret.
    it.each([
      ['the published key in PEM (SPKI)', async () => exportSPKI(rsaPublic)],
      ['the published key in PEM, with a trailing line break', async () => `${await exportSPKI(rsaPublic)}\n`],
      ['the published JWK as JSON', async () => JSON.stringify(published)],
      ['the published modulus', async () => published.n!],
    ])('refuses an HS256 token naming the published key and signed with %s as the secret', async (_what, secretOf) => {
      refused(await ask(app.url, await hs256(CLAIMS, {}, encode(await secretOf()), { kid: 'rsa-1' })));
    });

    it('refuses a token claiming RS256 whose signature is an HMAC keyed with the published key in PEM', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'rsa-1', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ ...CLAIMS, iat: now(), exp: now() + 3600 })).toString('base64url');
      const signature = createHmac('sha256', await exportSPKI(rsaPublic)).update(`${header}.${payload}`).digest('base64url');
      refused(await ask(app.url, `${header}.${payload}.${signature}`));
    });
  });
});
