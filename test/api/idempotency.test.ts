import { startApp, type TestApp } from '../helpers/app';
import { manualClock } from '../helpers/clock';
import { testDatabases } from '../helpers/databases';
import { contact, customer, offers, P, partners } from '../helpers/fixtures';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const CONFIRM = `mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }`;
const CREATE = `mutation ($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }`;

interface Raw {
  status: number;
  headers: Headers;
  text: string;
}

describe.each(testDatabases())('idempotent mutations (%s)', (kind) => {
  let app: TestApp;
  let other: ServerProcess;
  let token: string;
  // Near the real time: the other server process runs on the system clock, and claims expire by time.
  const clock = manualClock(new Date().toISOString());
  const day = (offset: number) => new Date(clock.now().getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const yesterday = day(-1);
  const inTwoDays = day(2);
  let n = 0;

  /** POSTs a GraphQL request to `base` with the given headers, keeping the raw body for byte comparison. */
  const post = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>, base = app.url, bearer = token): Promise<Raw> => {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  const fresh = async () => {
    const id = `I-${++n}`;
    await app.seed({ customers: [customer(id)] });
    return id;
  };
  const acceptancesOf = async (id: string) =>
    Number((await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id]))[0].n);

  beforeAll(async () => {
    app = await startApp(kind, { clock, sharedDatabase: true, env: { IDEMPOTENCY_WAIT_SECONDS: '5' } });
    await app.seed({ partners: partners(), offers: offers() });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
    other = await startServerProcess(app.databaseUrl);
  });
  afterAll(async () => {
    await other?.stop();
    await app.close();
  });

  it.each(['Idempotency-Key', 'MS-RequestId'])('replays a retried request sent with %s and writes once', async (name) => {
    const id = await fresh();
    const headers = { [name]: `key-${name}-${id}` };
    const first = await post(CONFIRM, { input: { customerId: id, dateAgreed: yesterday } }, headers);
    const retry = await post(CONFIRM, { input: { customerId: id, dateAgreed: yesterday } }, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.status).toBe(200);
    expect(retry.text).toBe(first.text);
    expect(JSON.parse(first.text).data.confirmCustomerAcceptance.acceptance.id).toEqual(expect.any(String));
    expect(await acceptancesOf(id)).toBe(1);
  });

  it('takes the same request with its JSON keys in another order as the same request', async () => {
    const id = await fresh();
    const headers = { 'Idempotency-Key': `order-${id}` };
    const first = await post(CONFIRM, { input: { customerId: id, dateAgreed: yesterday } }, headers);
    const retry = await post(CONFIRM, { input: { dateAgreed: yesterday, customerId: id } }, headers);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.text).toBe(first.text);
  });

  // Found by probing hostile bodies: the fingerprint recursed into the body, and 10,000 levels (20 KB) overflowed the stack: a 500.
  it('takes a keyed request however deeply its body is nested, and replays it', async () => {
    const id = await fresh();
    const headers = { 'Idempotency-Key': `deep-${id}` };
    const body = `{"query":${JSON.stringify(CONFIRM)},"variables":{"input":{"customerId":"${id}","dateAgreed":"${yesterday}"},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const send = () =>
      fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body });
    const first = await send();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { errors?: unknown }).errors).toBeUndefined();
    const retry = await send();
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await acceptancesOf(id)).toBe(1);
  });

  it('refuses the key with another request with IDEMPOTENCY_KEY_REUSED (422), writing nothing', async () => {
    const [a, b] = [await fresh(), await fresh()];
    const headers = { 'Idempotency-Key': `reused-${a}` };
    await post(CONFIRM, { input: { customerId: a, dateAgreed: yesterday } }, headers);
    const reused = await post(CONFIRM, { input: { customerId: b, dateAgreed: yesterday } }, headers);
    expect(reused.status).toBe(422);
    expect(JSON.parse(reused.text).errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await acceptancesOf(b)).toBe(0);
  });

  it('keeps keys per partner: another partner may use the same key', async () => {
    const mine = await fresh();
    const theirs = `I-OTHER-${mine}`;
    await app.seed({ customers: [customer(theirs, { partnerIds: [P.other] })] });
    const headers = { 'Idempotency-Key': 'shared-key-value' };
    await post(CONFIRM, { input: { customerId: mine, dateAgreed: yesterday } }, headers);
    const otherToken = await app.token(P.other, ['ADMIN_AGENT']);
    const theirsAnswer = await post(CONFIRM, { input: { customerId: theirs, dateAgreed: yesterday } }, headers, app.url, otherToken);
    expect(theirsAnswer.headers.get('idempotent-replayed')).toBeNull();
    expect(await acceptancesOf(theirs)).toBe(1);
  });

  describe('keys are the caller\'s own', () => {
    const CONFIRM_WITH_CONTACT = `mutation ($input: ConfirmAcceptanceInput!) {
      confirmCustomerAcceptance(input: $input) { acceptance { id acceptedBy { email phoneNumber } } }
    }`;
    const signatory = { firstName: 'Mara', lastName: 'Lind', email: 'mara.lind@signatory.example', phoneNumber: '+46 8 555 0199' };
    const codes = (answer: Raw) => (JSON.parse(answer.text).errors ?? []).map((e: { extensions: { code: string } }) => e.extensions.code);
    const as = async (roles: string[], userId: string) => app.token(P.direct, roles, userId);

    it('does not give a user without roles the answer another user stored under the same key and body', async () => {
      const id = await fresh();
      const headers = { 'Idempotency-Key': `colleague-${id}` };
      const variables = { input: { customerId: id, dateAgreed: yesterday, acceptedBy: signatory } };
      const admin = await post(CONFIRM_WITH_CONTACT, variables, headers, app.url, await as(['ADMIN_AGENT'], 'admin-1'));
      expect(JSON.parse(admin.text).data.confirmCustomerAcceptance.acceptance.acceptedBy.email).toBe(signatory.email);

      const colleague = await post(CONFIRM_WITH_CONTACT, variables, headers, app.url, await as([], 'colleague-1'));
      expect(colleague.headers.get('idempotent-replayed')).toBeNull();
      expect(codes(colleague)).toEqual(['FORBIDDEN']);
      expect(colleague.text).not.toContain(signatory.email);
      expect(colleague.text).not.toContain(signatory.phoneNumber);
      expect(await acceptancesOf(id)).toBe(1);
    });

    it('runs a request for real for a user with the role after a user without roles was refused with the same key and body', async () => {
      const id = await fresh();
      const headers = { 'Idempotency-Key': `refused-first-${id}` };
      const variables = { input: { customerId: id, dateAgreed: yesterday } };
      const refused = await post(CONFIRM, variables, headers, app.url, await as([], 'no-role-1'));
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      const admin = await post(CONFIRM, variables, headers, app.url, await as(['ADMIN_AGENT'], 'admin-2'));
      expect(admin.headers.get('idempotent-replayed')).toBeNull();
      expect(JSON.parse(admin.text).errors).toBeUndefined();
      expect(await acceptancesOf(id)).toBe(1);

      // the same user, refused without the role, runs it for real once given the role
      const other = await fresh();
      const otherVariables = { input: { customerId: other, dateAgreed: yesterday } };
      const otherHeaders = { 'Idempotency-Key': `granted-later-${other}` };
      expect(codes(await post(CONFIRM, otherVariables, otherHeaders, app.url, await as([], 'promoted-1')))).toEqual(['FORBIDDEN']);
      const granted = await post(CONFIRM, otherVariables, otherHeaders, app.url, await as(['SALES_AGENT'], 'promoted-1'));
      expect(granted.headers.get('idempotent-replayed')).toBeNull();
      expect(JSON.parse(granted.text).errors).toBeUndefined();
      expect(await acceptancesOf(other)).toBe(1);
    });

    it('gives a user whose token lost the role a refusal of its own, not the stored success, and the stored one again with the role', async () => {
      const id = await fresh();
      const headers = { 'Idempotency-Key': `revoked-${id}` };
      const variables = { input: { customerId: id, dateAgreed: yesterday, acceptedBy: signatory } };
      const first = await post(CONFIRM_WITH_CONTACT, variables, headers, app.url, await as(['ADMIN_AGENT'], 'revoked-1'));
      expect(JSON.parse(first.text).errors).toBeUndefined();

      for (const roles of [[], ['HELPDESK_AGENT']]) {
        const revoked = await post(CONFIRM_WITH_CONTACT, variables, headers, app.url, await as(roles, 'revoked-1'));
        expect(revoked.headers.get('idempotent-replayed')).toBeNull();
        expect(codes(revoked)).toEqual(['FORBIDDEN']);
        expect(revoked.text).not.toContain(signatory.email);
      }

      const restored = await post(CONFIRM_WITH_CONTACT, variables, headers, app.url, await as(['SALES_AGENT'], 'revoked-1'));
      expect(restored.headers.get('idempotent-replayed')).toBe('true');
      expect(restored.text).toBe(first.text);
      expect(await acceptancesOf(id)).toBe(1);
    });

    it('refuses a keyed operation of two mutations before either runs, and answers a retry with the same refusal', async () => {
      const id = await fresh();
      const headers = { 'Idempotency-Key': `two-${id}` };
      const both = `mutation ($input: ConfirmAcceptanceInput!, $attest: AttestAcceptanceInput!) {
        confirmCustomerAcceptance(input: $input) { acceptance { id } }
        attestCustomerAcceptance(input: $attest) { acceptance { id } }
      }`;
      const variables = { input: { customerId: id, dateAgreed: yesterday }, attest: { customerId: id, dateAgreed: yesterday } };
      const sales = await as(['SALES_AGENT'], 'seller-1');
      const first = await post(both, variables, headers, app.url, sales);
      expect(first.status).toBe(400);
      expect(await acceptancesOf(id)).toBe(0);
      const retry = await post(both, variables, headers, app.url, sales);
      expect(retry.status).toBe(400);
      expect(retry.text).toBe(first.text);
      expect(await acceptancesOf(id)).toBe(0);
    });

    it('does the same over REST with MS-RequestId', async () => {
      const id = await fresh();
      const path = `/v1/customers/${id}/agreements`;
      const body = { primaryContact: signatory, dateAgreed: yesterday };
      const headers = { 'MS-RequestId': `rest-${id}` };
      const admin = await app.rest('POST', path, { token: await as(['ADMIN_AGENT'], 'rest-admin'), body, headers });
      expect(admin.status).toBe(201);

      const colleague = await app.rest('POST', path, { token: await as([], 'rest-colleague'), body, headers });
      expect(colleague.status).toBe(403);
      expect(colleague.headers.get('idempotent-replayed')).toBeNull();
      expect(colleague.text).not.toContain(signatory.email);

      const revoked = await app.rest('POST', path, { token: await as(['GLOBAL_ADMIN'], 'rest-admin'), body, headers });
      expect(revoked.status).toBe(403);
      expect(revoked.headers.get('idempotent-replayed')).toBeNull();

      const retry = await app.rest('POST', path, { token: await as(['ADMIN_AGENT'], 'rest-admin'), body, headers });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.text).toBe(admin.text);
      expect(await acceptancesOf(id)).toBe(1);
    });
  });

  it('replays a refusal as it was, without running the request again', async () => {
    const id = await fresh();
    const headers = { 'Idempotency-Key': `refused-${id}` };
    const first = await post(CONFIRM, { input: { customerId: id, dateAgreed: inTwoDays } }, headers);
    expect(JSON.parse(first.text).errors[0].extensions.code).toBe('DATE_IN_FUTURE');
    clock.advance(24 * 3600_000 - 60_000); // the date would be fine by now; the key still holds
    try {
      const retry = await post(CONFIRM, { input: { customerId: id, dateAgreed: inTwoDays } }, headers);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.text).toBe(first.text);
      expect(await acceptancesOf(id)).toBe(0);
    } finally {
      clock.advance(-(24 * 3600_000 - 60_000));
    }
  });

  it('lets exactly one of two simultaneous requests with one key run; the other replays it', async () => {
    const id = await fresh();
    const headers = { 'Idempotency-Key': `race-${id}` };
    const variables = { input: { customerId: id, dateAgreed: yesterday } };
    const answers = await Promise.all([post(CONFIRM, variables, headers), post(CONFIRM, variables, headers)]);
    expect(answers.map((a) => a.headers.get('idempotent-replayed') ?? 'ran').sort()).toEqual(['ran', 'true']);
    expect(answers[0].text).toBe(answers[1].text);
    expect(await acceptancesOf(id)).toBe(1);
  });

  it('works across two server processes on one database', async () => {
    const id = await fresh();
    const headers = { 'Idempotency-Key': `processes-${id}` };
    const variables = { input: { customerId: id, dateAgreed: yesterday } };
    const here = await post(CONFIRM, variables, headers);
    const there = await post(CONFIRM, variables, headers, other.url);
    expect(there.headers.get('idempotent-replayed')).toBe('true');
    expect(there.text).toBe(here.text);

    const raced = await fresh();
    const raceHeaders = { 'Idempotency-Key': `processes-race-${raced}` };
    const raceVariables = { input: { customerId: raced, dateAgreed: yesterday } };
    const answers = await Promise.all([post(CONFIRM, raceVariables, raceHeaders), post(CONFIRM, raceVariables, raceHeaders, other.url)]);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(await acceptancesOf(id)).toBe(1);
    expect(await acceptancesOf(raced)).toBe(1);
  });

  it('forgets a key after 24 hours, and prunes it', async () => {
    const domain = `expiry${++n}.onmicrosoft.com`;
    const headers = { 'Idempotency-Key': `expiry-${domain}` };
    const variables = { input: { companyName: 'Expiry', domain, primaryContact: contact({ email: `it@${domain}` }) } };
    const first = await post(CREATE, variables, headers);
    expect(JSON.parse(first.text).errors).toBeUndefined();
    clock.advance(24 * 3600_000 + 1000);
    try {
      const later = await post(CREATE, variables, headers);
      expect(later.headers.get('idempotent-replayed')).toBeNull();
      // it ran again: the domain is taken by the first run now
      expect(JSON.parse(later.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.domain' });
      clock.advance(24 * 3600_000 + 1000);
      expect(await app.server.services.idempotency.prune()).toBeGreaterThanOrEqual(1);
      const [left] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key = ?', [headers['Idempotency-Key']]);
      expect(Number(left.n)).toBe(0);
    } finally {
      clock.advance(-2 * (24 * 3600_000 + 1000));
    }
  });

  it('does not keep a server error: the retry runs again', async () => {
    const id = await fresh();
    const headers = { 'Idempotency-Key': `failure-${id}` };
    const variables = { input: { customerId: id, dateAgreed: yesterday } };
    await app.db.query('ALTER TABLE current_acceptances RENAME TO current_acceptances_away');
    let failed: Raw;
    try {
      failed = await post(CONFIRM, variables, headers);
    } finally {
      await app.db.query('ALTER TABLE current_acceptances_away RENAME TO current_acceptances');
    }
    expect(failed.status).toBe(500);
    const retry = await post(CONFIRM, variables, headers);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.parse(retry.text).errors).toBeUndefined();
    expect(await acceptancesOf(id)).toBe(1);
  });

  it('ignores a key on queries, and refuses a malformed key', async () => {
    const query = await post('query { me { userId } }', {}, { 'Idempotency-Key': 'query-key' });
    expect(query.headers.get('idempotent-replayed')).toBeNull();
    const [stored] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key = ?', ['query-key']);
    expect(Number(stored.n)).toBe(0);
    const id = await fresh();
    const bad = await post(CONFIRM, { input: { customerId: id, dateAgreed: yesterday } }, { 'Idempotency-Key': 'x'.repeat(256) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'Idempotency-Key' });
  });
});
