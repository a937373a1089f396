import { startApp, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { contact, customer, offers, P, partners } from '../helpers/fixtures';

describe.each(testDatabases())('metrics and logs (%s)', (kind) => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startApp(kind);
    await app.seed({ partners: partners(), offers: offers(), customers: [customer('O-1'), customer('O-2')] });
    token = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());

  const metrics = async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };
  const sample = (text: string, name: string, labels: Record<string, string>) => {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it('counts requests by route and status and operations by root field and outcome, with latencies', async () => {
    const before = await metrics();
    await app.gql(token, '{ customers(first: 1) { totalCount } }');
    await app.gql(await app.token(P.direct, ['HELPDESK_AGENT']), 'mutation { confirmCustomerAcceptance(input: { customerId: "O-1", dateAgreed: "2026-01-05" }) { acceptance { id } } }');
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('http_requests_total', { route: '/graphql', method: 'POST', status: '200' })).toBe(2);
    expect(delta('graphql_operations_total', { operation: 'customers', type: 'query', outcome: 'OK' })).toBe(1);
    expect(delta('graphql_operations_total', { operation: 'confirmCustomerAcceptance', type: 'mutation', outcome: 'FORBIDDEN' })).toBe(1);
    expect(delta('graphql_operation_duration_seconds_count', { operation: 'customers', type: 'query' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { route: '/graphql' })).toBe(2);
    const statements = (text: string) => Number(/^db_statements_total (\d+)/m.exec(text)![1]);
    expect(statements(after)).toBeGreaterThan(statements(before));
    expect(after).toMatch(/^db_units_of_work\{state="reading"\} \d+/m);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('logs one JSON line per request with the request and correlation ids, and echoes both', async () => {
    const response = await app.gql(token, '{ me { userId } }', undefined, { 'x-request-id': 'req-obs-1', 'MS-CorrelationId': 'corr-obs-1' });
    expect(response.headers.get('x-request-id')).toBe('req-obs-1');
    expect(response.headers.get('ms-correlationid')).toBe('corr-obs-1');
    await new Promise((resolve) => setImmediate(resolve));
    const line = app.logs.map((l) => JSON.parse(l)).find((entry) => entry.msg === 'request' && entry.requestId === 'req-obs-1');
    expect(line).toMatchObject({ correlationId: 'corr-obs-1', partnerId: P.direct, method: 'POST', route: '/graphql', status: 200, level: 30 });
    expect(line.ms).toEqual(expect.any(Number));
  });

  it('never writes e-mail addresses, phone numbers or tokens to the log, even for failures that carry them', async () => {
    const email = 'very.private.person@secret-mail.example';
    const phone = '+44 (20) 7946-0958';
    const person = contact({ email, phoneNumber: phone, firstName: 'Priv' });
    // a refusal, a success and an unexpected failure (its SQL carries the contact)
    await app.gql(token, 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }', {
      input: { customerId: 'O-1', dateAgreed: '2099-01-01', acceptedBy: person },
    });
    await app.gql(token, 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }', {
      input: { customerId: 'O-1', dateAgreed: '2026-01-05', acceptedBy: person },
    });
    await app.db.query('ALTER TABLE current_acceptances RENAME TO current_away');
    try {
      const failed = await app.gql(token, 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }', {
        input: { customerId: 'O-2', dateAgreed: '2026-01-05', acceptedBy: person },
      });
      expect(failed.status).toBe(500);
    } finally {
      await app.db.query('ALTER TABLE current_away RENAME TO current_acceptances');
    }
    await app.gql(`${token}x`, '{ me { userId } }');
    await new Promise((resolve) => setImmediate(resolve));
    const all = app.logs.join('\n');
    expect(all).toMatch(/unexpected error/);
    for (const secret of [email, 'secret-mail', '7946-0958', '7946', token, token.split('.')[1], 'Bearer']) {
      expect(all).not.toContain(secret);
    }
  });
});
