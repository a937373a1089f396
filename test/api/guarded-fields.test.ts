import { fixedClock } from '../../src/shared/clock';
import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { customer, offers, P, partners, subscription } from '../helpers/fixtures';

const NOW = '2026-11-21T04:00:00.000Z';

/** Every non-null field of a root field's answer, or of a payload, that a role may refuse would null the whole answer. */
describe.each(testDatabases())('fields guarded by roles fail alone (%s)', (kind) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startApp(kind, { clock: fixedClock(NOW) });
    await app.seed({
      partners: partners(),
      offers: offers(),
      customers: [customer('G-1')],
      subscriptions: [subscription('G-S1', 'G-1', P.direct)],
    });
  });
  afterAll(() => app.close());

  it('answers a committed attestation even when the payload asks for history the attester may not read', async () => {
    const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
    const { status, body } = await app.gql(
      helpdesk,
      `mutation ($input: AttestAcceptanceInput!) {
        attestCustomerAcceptance(input: $input) {
          acceptance { id method }
          customer { id agreementStatus { status } acceptances { totalCount } }
        }
      }`,
      { input: { customerId: 'G-1', dateAgreed: '2026-11-20' } },
    );
    expect(status).toBe(200);
    const payload = body.data!.attestCustomerAcceptance;
    expect(payload.acceptance).toEqual({ id: expect.any(String), method: 'ATTESTATION' });
    expect(payload.customer).toEqual({ id: 'G-1', agreementStatus: { status: 'ACCEPTED' }, acceptances: null });
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['attestCustomerAcceptance', 'customer', 'acceptances'], extensions: { code: 'FORBIDDEN' } }),
    ]);
    const [stored] = await app.db.query<{ id: string }>('SELECT id FROM acceptances WHERE customer_id = ?', ['G-1']);
    expect(stored.id).toBe(payload.acceptance.id);
  });

  it('keeps `me` when the same query asks for the audit trail the caller may not read', async () => {
    const sales = await app.token(P.direct, ['SALES_AGENT'], 'sales-1');
    const { status, body } = await app.gql(sales, '{ me { userId roles } auditEvents { totalCount } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { userId: 'sales-1', roles: ['SALES_AGENT'] }, auditEvents: null });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['auditEvents'], extensions: { code: 'FORBIDDEN' } })]);
  });

  it('refuses an operation of two mutations before either runs, so that no committed write is answered with data: null', async () => {
    const sales = await app.token(P.direct, ['SALES_AGENT']);
    await app.seed({ customers: [customer('G-2')] });
    const { status, body } = await app.gql(
      sales,
      `mutation {
        first: confirmCustomerAcceptance(input: { customerId: "G-2", dateAgreed: "2026-11-20" }) { acceptance { id } }
        again: confirmCustomerAcceptance(input: { customerId: "G-2", dateAgreed: "2026-11-20" }) { acceptance { id } }
      }`,
    );
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) })]);
    expect(body.errors![0].message).toMatch(/one field/);
    expect(await app.db.query('SELECT id FROM acceptances WHERE customer_id = ?', ['G-2'])).toEqual([]);
  });

  it('keeps the customer when a caller without a reading role asks for its history', async () => {
    const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
    const { body } = await app.gql(helpdesk, '{ customer(id: "G-1") { id acceptances { totalCount } } }');
    expect(body.data).toEqual({ customer: { id: 'G-1', acceptances: null } });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['customer', 'acceptances'], extensions: { code: 'FORBIDDEN' } })]);
  });

  it('answers a committed acceptance request when the payload asks for AcceptanceRequest.acceptance the caller may not read (ADMIN_AGENT, SALES_AGENT only)', async () => {
    await app.seed({ customers: [customer('G-3')] });
    const helpdesk = await app.token(P.direct, ['HELPDESK_AGENT']);
    const query = `mutation ($id: ID!) { requestCustomerAcceptance(input: { customerId: $id, country: "DE" }) { request { id status acceptance { id } } } }`;
    const { body } = await app.gql(helpdesk, query, { id: 'G-3' });
    const request = body.data!.requestCustomerAcceptance.request;
    expect(request).toEqual({ id: expect.any(String), status: 'PENDING', acceptance: null });
    expect(body.errors).toEqual([
      expect.objectContaining({ path: ['requestCustomerAcceptance', 'request', 'acceptance'], extensions: { code: 'FORBIDDEN' } }),
    ]);
    expect(await app.db.query('SELECT id FROM acceptance_requests WHERE id = ?', [request.id])).toHaveLength(1);
    for (const role of ['ADMIN_AGENT', 'SALES_AGENT']) {
      const reader = await app.token(P.direct, [role]);
      const read = await app.gql(reader, '{ customer(id: "G-3") { acceptanceRequests { nodes { id acceptance { id } } } } }');
      expect(read.body).toEqual({ data: { customer: { acceptanceRequests: { nodes: [{ id: request.id, acceptance: null }] } } } });
    }
  });

  it('keeps the customer when a caller without a requesting role asks for Customer.acceptanceRequests', async () => {
    await app.seed({ customers: [customer('G-4')] });
    for (const role of ['GLOBAL_ADMIN', 'ADMIN_AGENT', 'SALES_AGENT', 'HELPDESK_AGENT']) {
      const token = await app.token(P.direct, [role]);
      const { body } = await app.gql(token, '{ customer(id: "G-4") { id acceptanceRequests { totalCount } } }');
      expect(body).toEqual({ data: { customer: { id: 'G-4', acceptanceRequests: { totalCount: 0 } } } });
    }
    const none = await app.token(P.direct, []);
    const { body } = await app.gql(none, '{ customer(id: "G-4") { id acceptanceRequests { totalCount } } }');
    expect(body.data).toEqual({ customer: { id: 'G-4', acceptanceRequests: null } });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['customer', 'acceptanceRequests'], extensions: { code: 'FORBIDDEN' } })]);
  });

  it('keeps `me` when the same query asks for the webhook endpoints the caller may not manage', async () => {
    for (const roles of [['SALES_AGENT'], ['HELPDESK_AGENT']]) {
      const token = await app.token(P.direct, roles, 'hooks-1');
      const { status, body } = await app.gql(token, '{ me { userId } webhookEndpoints { id url deliveries { totalCount } } }');
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: { userId: 'hooks-1' }, webhookEndpoints: null });
      expect(body.errors).toEqual([expect.objectContaining({ path: ['webhookEndpoints'], extensions: { code: 'FORBIDDEN' } })]);
    }
    const admin = await app.token(P.direct, ['GLOBAL_ADMIN'], 'hooks-2');
    const { body } = await app.gql(admin, '{ me { userId } webhookEndpoints { id } }');
    expect(body).toEqual({ data: { me: { userId: 'hooks-2' }, webhookEndpoints: [] } });
  });

  it('refuses a webhook mutation to a role that may not manage endpoints, and writes nothing', async () => {
    const sales = await app.token(P.direct, ['SALES_AGENT']);
    const { status, body } = await app.gql(
      sales,
      'mutation { createWebhookEndpoint(input: { url: "https://hooks.example.com/x", events: [ACCEPTANCE_RECORDED] }) { secret endpoint { id } } }',
    );
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ path: ['createWebhookEndpoint'], extensions: { code: 'FORBIDDEN' } })]);
    expect(await app.db.query('SELECT id FROM webhook_endpoints')).toEqual([]);
  });
});
