import { createHash } from 'node:crypto';
import { verifyChains } from '../../src/audit/verify-chains';
import type { TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, contact, customer, MCLOUD, offers, P, partners } from '../helpers/fixtures';
import { answerLink, documentUri, formFieldOf, MCA_V2, MovableClock, postForm, startSigningApp, templateWithDocuments } from '../helpers/signing';

const FIELDS = `id status finalize country language signingUrl expiresAt createdAt answeredAt declineReason
  createdBy { userId role } signatory { firstName lastName email } agreement { templateId } customer { id }`;

const REQUEST = `mutation ($input: RequestCustomerAcceptanceInput!) { requestCustomerAcceptance(input: $input) { request { ${FIELDS} } } }`;
const RENEW = `mutation ($id: ID!, $minutes: Int) { renewAcceptanceRequest(id: $id, expiresInMinutes: $minutes) { request { ${FIELDS} } } }`;
const CANCEL = `mutation ($id: ID!) { cancelAcceptanceRequest(id: $id) { request { ${FIELDS} } } }`;
const FINALIZE = `mutation ($id: ID!) { finalizeAcceptanceRequest(id: $id) {
  request { ${FIELDS} acceptance { id method channel dateAgreed acceptedBy { firstName lastName email } recordedBy { userId role } } } } }`;
const REQUESTS = `query ($id: ID!, $status: [AcceptanceRequestStatus!]) { customer(id: $id) {
  agreementStatus { status canTransact openRequest { id status } acceptance { id method channel } }
  acceptanceRequests(status: $status) { totalCount nodes { id status signingUrl declineReason answeredAt acceptance { id method } } }
} }`;

const MINUTE = 60_000;

describe.each(testDatabases())('customer-signed acceptance over HTTP (%s)', (kind) => {
  let app: TestApp;
  let admin: string;
  const clock = new MovableClock();
  let n = 0;

  const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.code;
  const fieldOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.field;
  const count = async (sql: string, params: unknown[] = []) => Number((await app.db.query<{ n: number }>(sql, params))[0].n);

  /** A fresh customer of the direct partner (also related to the other kinds of partner). */
  const freshCustomer = async (extra: Record<string, unknown> = {}) => {
    const id = `SIGN-${++n}`;
    await app.seed({ customers: [customer(id, { partnerIds: [P.direct, P.reseller, P.gov], ...extra })] });
    return id;
  };

  const request = async (input: Record<string, unknown>, token = admin) => app.gql(token, REQUEST, { input: { country: 'DE', ...input } });
  const requested = async (input: Record<string, unknown>, token = admin) => {
    const { body } = await request(input, token);
    expect(body.errors).toBeUndefined();
    return body.data!.requestCustomerAcceptance.request as Record<string, any>;
  };
  const read = async (customerId: string, status?: string[], token = admin) => {
    const { body } = await app.gql(token, REQUESTS, { id: customerId, status });
    expect(body.errors).toBeUndefined();
    return body.data!.customer;
  };
  const accept = (link: string, fullName = 'Tania Carr') => answerLink(link, { action: 'accept', accept: 'yes', fullName });

  beforeAll(async () => {
    app = await startSigningApp(kind, { clock });
    await app.seed({ partners: partners(), offers: offers(), agreements: [templateWithDocuments()] });
    admin = await app.token(P.direct, ['ADMIN_AGENT'], 'agent-7');
  });
  afterAll(() => app?.close());
  afterEach(() => {
    clock.offsetMs = 0;
  });

  it('makes a PENDING request with a link, defaults as the contract says, the token stored only as its SHA-256', async () => {
    const id = await freshCustomer();
    const token = await app.token(P.direct, ['HELPDESK_AGENT', 'SALES_AGENT'], 'agent-2');
    const made = await requested({ customerId: id }, token);
    expect(made).toMatchObject({
      status: 'PENDING',
      finalize: 'AUTOMATIC',
      country: 'DE',
      language: 'de-DE',
      createdBy: { userId: 'agent-2', role: 'SALES_AGENT' },
      signatory: { firstName: 'Tania', lastName: 'Carr', email: `admin@${id.toLowerCase()}.example` },
      customer: { id },
      agreement: { templateId: MCA_V2 },
      answeredAt: null,
    });
    expect(Date.parse(made.expiresAt) - Date.parse(made.createdAt)).toBe(10080 * MINUTE);
    const url = new URL(made.signingUrl);
    expect(url.origin).toBe(app.url);
    const linkToken = url.pathname.split('/').pop()!;
    expect(linkToken.length).toBeGreaterThanOrEqual(22); // at least 128 random bits
    const [row] = await app.db.query<Record<string, unknown>>('SELECT * FROM acceptance_requests WHERE id = ?', [made.id]);
    expect(row.token_hash).toBe(createHash('sha256').update(linkToken).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(linkToken);
    // Anywhere but the mutation's payload the link is null.
    const listed = await read(id);
    expect(listed.acceptanceRequests).toEqual({
      totalCount: 1,
      nodes: [{ id: made.id, status: 'PENDING', signingUrl: null, declineReason: null, answeredAt: null, acceptance: null }],
    });
    expect(listed.agreementStatus.openRequest).toEqual({ id: made.id, status: 'PENDING' });
    // The page is served under /sign/ and is in the request's language.
    const page = await fetch(made.signingUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('lang="de"');
  });

  it('with an Idempotency-Key, the kept response holds no link: a replay answers signingUrl null', async () => {
    const id = await freshCustomer();
    const headers = { 'idempotency-key': `sign-${id}` };
    const first = await app.gql(admin, REQUEST, { input: { customerId: id, country: 'DE' } }, headers);
    const made = first.body.data!.requestCustomerAcceptance.request;
    expect(made.signingUrl).toMatch(/\/sign\//);
    const token = made.signingUrl.split('/').pop();
    const rows = await app.db.query<{ body: string }>('SELECT response_body AS body FROM idempotency_keys');
    expect(rows.some((r) => String(r.body).includes(made.id))).toBe(true);
    expect(rows.filter((r) => String(r.body).includes(token))).toEqual([]);
    const replay = await app.gql(admin, REQUEST, { input: { customerId: id, country: 'DE' } }, headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data!.requestCustomerAcceptance.request).toEqual({ ...made, signingUrl: null });
  });

  it('refuses by role table, partner type, cloud, visibility, version, expiry, country, and e-mail without SMTP', async () => {
    const id = await freshCustomer();
    const other = `SIGN-OTHER-${++n}`;
    await app.seed({ customers: [customer(other, { partnerIds: [P.other] })] });
    const reseller = await app.token(P.reseller, ['ADMIN_AGENT']);
    const gov = await app.token(P.gov, ['ADMIN_AGENT']);
    const cases: [Record<string, unknown>, string, string, string?][] = [
      [{ customerId: id }, reseller, 'FORBIDDEN'],
      [{ customerId: id }, gov, 'AGREEMENT_NOT_SUPPORTED_IN_CLOUD'],
      [{ customerId: 'NOPE' }, admin, 'NOT_FOUND', 'input.customerId'],
      [{ customerId: other }, admin, 'NOT_FOUND', 'input.customerId'],
      [{ customerId: id, templateId: MCLOUD }, admin, 'TEMPLATE_RETIRED', 'input.templateId'],
      [{ customerId: id, expiresInMinutes: 4 }, admin, 'BAD_USER_INPUT', 'input.expiresInMinutes'],
      [{ customerId: id, expiresInMinutes: 10081 }, admin, 'BAD_USER_INPUT', 'input.expiresInMinutes'],
      [{ customerId: id, country: 'Germany' }, admin, 'BAD_USER_INPUT', 'input.country'],
      [{ customerId: id, country: 'XX' }, admin, 'BAD_USER_INPUT', 'input.country'],
      [{ customerId: id, language: 'not a language' }, admin, 'BAD_USER_INPUT', 'input.language'],
      [{ customerId: id, signatory: contact({ email: 'no-at-sign' }) }, admin, 'BAD_USER_INPUT', 'input.signatory.email'],
      [{ customerId: id, sendEmail: true }, admin, 'EMAIL_NOT_CONFIGURED', 'sendEmail'],
    ];
    for (const [input, token, code, field] of cases) {
      const { body } = await request(input, token);
      expect({ input, code: codeOf(body), field: fieldOf(body) }).toEqual({ input, code, field });
    }
    const none = await app.token(P.direct, ['GLOBAL_ADMIN']);
    expect((await read(id)).acceptanceRequests.totalCount).toBe(0); // nothing was written
    // 5 and 10080 minutes are the bounds.
    expect((await requested({ customerId: id, expiresInMinutes: 5 }, none)).createdBy.role).toBe('GLOBAL_ADMIN');
  });

  it("picks the document for the country and language: without a language, the country's first; an unknown language falls back", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ country: 'KR' }, 'ko-KR', documentUri('KR', 'ko-KR')],
      [{ country: 'DE', language: 'en-US' }, 'en-US', documentUri('DE', 'en-US')],
      [{ country: 'DE', language: 'fr-FR' }, 'fr-FR', documentUri('DE', 'de-DE')],
      [{ country: 'JP' }, 'en-US', documentUri('US', 'en-US')],
    ];
    for (const [input, language, uri] of cases) {
      const id = await freshCustomer();
      const made = await requested({ customerId: id, ...input });
      expect(made.language).toBe(language);
      const [row] = await app.db.query<{ document_uri: string }>('SELECT document_uri FROM acceptance_requests WHERE id = ?', [made.id]);
      expect(row.document_uri).toBe(uri);
      expect(await (await fetch(made.signingUrl)).text()).toContain(`href="${uri}"`);
    }
  });

  it('one open request per partner, customer and type: another is ACCEPTANCE_REQUEST_OPEN until it is answered, cancelled or expired', async () => {
    const id = await freshCustomer();
    const first = await requested({ customerId: id });
    const { body } = await request({ customerId: id, country: 'KR' });
    expect(codeOf(body)).toBe('ACCEPTANCE_REQUEST_OPEN');
    await app.gql(admin, CANCEL, { id: first.id });
    await requested({ customerId: id });
  });

  it('is never shown PENDING after expiresAt: in the list, the filters, the counts, openRequest and the link', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id, expiresInMinutes: 5 });
    expect((await read(id, ['PENDING'])).acceptanceRequests.totalCount).toBe(1);
    clock.offsetMs = 5 * MINUTE; // exactly at expiresAt
    const now = await read(id);
    expect(now.acceptanceRequests.nodes.map((r: { status: string }) => r.status)).toEqual(['EXPIRED']);
    expect(now.agreementStatus.openRequest).toBeNull();
    expect((await read(id, ['PENDING'])).acceptanceRequests).toEqual({ totalCount: 0, nodes: [] });
    expect((await read(id, ['PENDING', 'SIGNED'])).acceptanceRequests.totalCount).toBe(0);
    expect((await read(id, ['EXPIRED'])).acceptanceRequests.totalCount).toBe(1);
    expect((await fetch(made.signingUrl)).status).toBe(404);
    const renewed = await app.gql(admin, RENEW, { id: made.id });
    expect(codeOf(renewed.body)).toBe('ACCEPTANCE_REQUEST_CLOSED');
    // A new request may be made: the expired one is not open.
    await requested({ customerId: id });
  });

  it('AUTOMATIC: accepting records the acceptance at once (CUSTOMER_SIGNED, SIGNING_LINK), FINALIZED and ACCEPTED', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id });
    expect((await read(id)).agreementStatus.status).toBe('NOT_ACCEPTED');
    const form = formFieldOf(await (await fetch(made.signingUrl)).text());
    const started = performance.now();
    const answer = await postForm(made.signingUrl, { form, action: 'accept', accept: 'yes', fullName: '  tania   CARR ' });
    expect(answer.status).toBe(303);
    const status = await read(id);
    const ms = performance.now() - started;
    console.log(`${kind}: accept POST to the partner reading ACCEPTED: ${ms.toFixed(1)} ms`);
    expect(status.agreementStatus).toMatchObject({ status: 'ACCEPTED', canTransact: true, openRequest: null, acceptance: { method: 'CUSTOMER_SIGNED', channel: 'SIGNING_LINK' } });
    expect(status.acceptanceRequests.nodes[0]).toMatchObject({ status: 'FINALIZED', acceptance: { id: status.agreementStatus.acceptance.id, method: 'CUSTOMER_SIGNED' } });
    const [row] = await app.db.query<Record<string, any>>(
      'SELECT a.recorded_by_user_id AS userId, a.accepted_by_last_name AS lastName, r.evidence_typed_name AS typedName, r.evidence_document_uri AS documentUri, ' +
        'r.evidence_client_address_hash AS addressHash, r.evidence_user_agent AS userAgent FROM acceptance_requests r JOIN acceptances a ON a.id = r.acceptance_id WHERE r.id = ?',
      [made.id],
    );
    expect(row).toMatchObject({ userId: 'agent-7', lastName: 'Carr', typedName: 'tania   CARR', documentUri: documentUri('DE', 'de-DE'), addressHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('two identical accepts at the same instant record one acceptance; the link cannot be used again', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id });
    const form = formFieldOf(await (await fetch(made.signingUrl)).text());
    const fields = { form, action: 'accept', accept: 'yes', fullName: 'Tania Carr' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => postForm(made.signingUrl, fields)));
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303, 303]);
    expect(await count('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id])).toBe(1);
    await app.chainAudit();
    expect(await count("SELECT COUNT(*) AS n FROM audit_events WHERE customer_id = ? AND operation = 'ACCEPT_ACCEPTANCE_REQUEST'", [id])).toBe(1);
    // Used: accepting or declining again records nothing, and the page shows the outcome, never the form.
    expect((await postForm(made.signingUrl, fields)).status).toBe(303);
    expect((await postForm(made.signingUrl, { ...fields, action: 'decline' })).status).toBe(303);
    const page = await (await fetch(made.signingUrl)).text();
    expect(page).not.toContain('<form');
    expect(await count('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id])).toBe(1);
    expect((await read(id)).acceptanceRequests.nodes[0].status).toBe('FINALIZED');
  });

  it('renewing makes a new link and kills the old one; the expiry starts again', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id, expiresInMinutes: 60 });
    const oldForm = formFieldOf(await (await fetch(made.signingUrl)).text());
    clock.offsetMs = 30 * MINUTE;
    const { body } = await app.gql(admin, RENEW, { id: made.id, minutes: 120 });
    expect(body.errors).toBeUndefined();
    const renewed = body.data!.renewAcceptanceRequest.request;
    expect(renewed.signingUrl).not.toBe(made.signingUrl);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThanOrEqual(Date.parse(made.createdAt) + 150 * MINUTE - 1000);
    expect((await fetch(made.signingUrl)).status).toBe(404);
    expect((await fetch(renewed.signingUrl)).status).toBe(200);
    expect((await postForm(made.signingUrl, { form: oldForm, action: 'accept', accept: 'yes', fullName: 'Tania Carr' })).status).toBe(404);
    expect((await accept(renewed.signingUrl)).status).toBe(303);
    expect((await read(id)).agreementStatus.status).toBe('ACCEPTED');
  });

  it('cancel withdraws a PENDING request: its link is dead; cancel, renew and finalize of it are ACCEPTANCE_REQUEST_CLOSED', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id });
    const form = formFieldOf(await (await fetch(made.signingUrl)).text());
    const { body } = await app.gql(admin, CANCEL, { id: made.id });
    expect(body.data!.cancelAcceptanceRequest.request).toMatchObject({ status: 'CANCELLED', signingUrl: null });
    expect((await fetch(made.signingUrl)).status).toBe(404);
    expect((await postForm(made.signingUrl, { form, action: 'accept', accept: 'yes', fullName: 'Tania Carr' })).status).toBe(404);
    for (const mutation of [CANCEL, RENEW, FINALIZE]) expect(codeOf((await app.gql(admin, mutation, { id: made.id })).body)).toBe('ACCEPTANCE_REQUEST_CLOSED');
    expect(await count('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id])).toBe(0);
    // Another partner's request id is unknown to the caller.
    const provider = await app.token(P.provider, ['ADMIN_AGENT']);
    expect(codeOf((await app.gql(provider, CANCEL, { id: made.id })).body)).toBe('NOT_FOUND');
  });

  it('BY_PARTNER: accepting leaves it SIGNED and the purchase gate unchanged; finalize records it under the finalizing role', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id, finalize: 'BY_PARTNER', signatory: contact({ firstName: 'Jana', lastName: 'Becker', email: 'jana@fabrikam.example' }) });
    expect(codeOf((await app.gql(admin, FINALIZE, { id: made.id })).body)).toBe('ACCEPTANCE_REQUEST_CLOSED'); // not signed yet
    expect((await accept(made.signingUrl, 'Jana Becker')).status).toBe(303);
    let status = await read(id);
    expect(status.agreementStatus).toMatchObject({ status: 'NOT_ACCEPTED', canTransact: false, openRequest: { id: made.id, status: 'SIGNED' } });
    expect(await count('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id])).toBe(0);
    expect(codeOf((await app.gql(admin, RENEW, { id: made.id })).body)).toBe('ACCEPTANCE_REQUEST_CLOSED');
    const sales = await app.token(P.direct, ['HELPDESK_AGENT', 'SALES_AGENT'], 'agent-sales');
    const { body } = await app.gql(sales, FINALIZE, { id: made.id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.finalizeAcceptanceRequest.request).toMatchObject({
      status: 'FINALIZED',
      acceptance: {
        method: 'CUSTOMER_SIGNED',
        channel: 'SIGNING_LINK',
        acceptedBy: { firstName: 'Jana', lastName: 'Becker', email: 'jana@fabrikam.example' },
        recordedBy: { userId: 'agent-sales', role: 'SALES_AGENT' },
      },
    });
    status = await read(id);
    expect(status.agreementStatus).toMatchObject({ status: 'ACCEPTED', openRequest: null });
    expect(codeOf((await app.gql(admin, FINALIZE, { id: made.id })).body)).toBe('ACCEPTANCE_REQUEST_CLOSED');
    // HELPDESK_AGENT may finalize but not read acceptance records: the field alone is refused.
    const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
    const listed = await app.gql(helpdesk, REQUESTS, { id });
    expect(listed.body.data!.customer.acceptanceRequests.nodes[0].acceptance).toBeNull();
    expect(codeOf(listed.body)).toBe('FORBIDDEN');
  });

  it('the duplicate rule holds when the acceptance is recorded: the same signatory again stays SIGNED, and finalize says ACCEPTANCE_ALREADY_EXISTS', async () => {
    const id = await freshCustomer();
    await app.seed({ acceptances: [acceptance(`ACC-${id}`, id, P.direct, { templateId: MCA_V2, acceptedBy: contact({ email: `admin@${id.toLowerCase()}.example` }), dateAgreed: '2025-02-01' })] });
    const made = await requested({ customerId: id });
    expect((await accept(made.signingUrl)).status).toBe(303);
    expect((await read(id)).acceptanceRequests.nodes[0].status).toBe('SIGNED');
    expect(codeOf((await app.gql(admin, FINALIZE, { id: made.id })).body)).toBe('ACCEPTANCE_ALREADY_EXISTS');
    expect(await count('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id])).toBe(1);
  });

  it('declining takes a reason: DECLINED, nothing recorded, the link shows the outcome', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id });
    expect((await answerLink(made.signingUrl, { action: 'decline', reason: 'Legal must review it first.' })).status).toBe(303);
    const listed = await read(id);
    expect(listed.acceptanceRequests.nodes[0]).toMatchObject({ status: 'DECLINED', declineReason: 'Legal must review it first.', answeredAt: expect.any(String) });
    expect(listed.agreementStatus).toMatchObject({ status: 'NOT_ACCEPTED', openRequest: null });
    expect(await (await fetch(made.signingUrl)).text()).toContain('Legal must review it first.');
  });

  it('keeps the evidence in the hash-chained audit trail, which `audit verify` checks', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id });
    await fetch(made.signingUrl);
    expect((await answerLink(made.signingUrl, { action: 'accept', accept: 'yes', fullName: 'Tania Carr' }, { 'user-agent': 'Evidence/1.0' })).status).toBe(303);
    await app.chainAudit();
    const [event] = await app.db.query<{ id: string; evidence: string; user_id: string; acceptance_id: string }>(
      "SELECT id, evidence, user_id, acceptance_id FROM audit_events WHERE customer_id = ? AND operation = 'ACCEPT_ACCEPTANCE_REQUEST'",
      [id],
    );
    expect(event.user_id).toBe(`signatory:${made.id}`);
    expect(JSON.parse(event.evidence)).toMatchObject({
      acceptanceRequestId: made.id,
      documentUri: documentUri('DE', 'de-DE'),
      typedName: 'Tania Carr',
      clientAddressHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      userAgent: 'Evidence/1.0',
      at: expect.any(String),
    });
    expect(event.acceptance_id).toEqual(expect.any(String));
    const { db, auditRecords } = app.server.services;
    expect((await db.read((em) => verifyChains(em, auditRecords))).breaks).toEqual([]);
    await app.db.query('UPDATE audit_events SET evidence = ? WHERE id = ?', [event.evidence.replace('Tania Carr', 'Someone Else'), event.id]);
    const report = await db.read((em) => verifyChains(em, auditRecords));
    expect(report.breaks).toEqual([expect.objectContaining({ eventId: event.id, problem: 'altered' })]);
    await app.db.query('UPDATE audit_events SET evidence = ? WHERE id = ?', [event.evidence, event.id]);
  });

  it('a signing page render costs a bounded number of SQL statements', async () => {
    const id = await freshCustomer();
    const made = await requested({ customerId: id });
    await app.chainAudit(); // the request's audit event is chained in the background: not part of a page render
    const statements = await app.countStatements(async () => expect((await fetch(made.signingUrl)).status).toBe(200));
    const unknown = await app.countStatements(async () => expect((await fetch(`${app.url}/sign/${'A'.repeat(43)}`)).status).toBe(404));
    console.log(`${kind}: SQL statements per signing page render: valid link ${statements}, unknown link ${unknown}`);
    expect(statements).toBe(1);
    expect(unknown).toBe(1);
  });
});

describe.each(testDatabases())('tries on signing links per client address, on the real server (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startSigningApp(kind, { env: { SIGNING_RATE_LIMIT_BURST: '3', SIGNING_RATE_LIMIT_PER_MINUTE: '1' } });
  });
  afterAll(() => app?.close());

  it('are limited before any lookup: over the burst, 429 with Retry-After; the API itself is not', async () => {
    const link = `${app.url}/sign/${'B'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(link)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await fetch(link);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await app.countStatements(() => fetch(link))).toBe(0);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});
