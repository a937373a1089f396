import { Webhook } from 'standardwebhooks';
import { MAX_ATTEMPTS } from '../../src/notifications/retry-schedule';
import { startApp, type TestApp } from '../helpers/app';
import { manualClock } from '../helpers/clock';
import { testDatabases } from '../helpers/databases';
import { customer, P, partners } from '../helpers/fixtures';
import { until } from '../helpers/live';
import { PRODUCTION_SIGNING } from '../helpers/server-process';
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const NOW = '2026-11-21T04:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ENDPOINT = 'id url events enabled createdAt';
const CREATE = `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT} } } }`;
const UPDATE = `mutation ($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT} } } }`;
const ROTATE = `mutation ($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { id } } }`;
const DELETE = `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }`;
const LIST = `{ webhookEndpoints { ${ENDPOINT} } }`;
const REDELIVER = `mutation ($id: ID!) { redeliverWebhookEvent(deliveryId: $id) { delivery { id eventId eventType status attempts } } }`;
const DELIVERIES = `query ($status: [WebhookDeliveryStatus!], $first: Int, $after: String) { webhookEndpoints { id deliveries(status: $status, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id eventId eventType status attempts lastResponseStatus lastAttemptAt nextAttemptAt createdAt } } } }`;
const CONFIRM = `mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }`;

const codeOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.[0]?.extensions?.code;

/** Whether the request's signature verifies with `secret`, as a partner's receiver checks it (the standardwebhooks library). */
const verifies = (request: ReceivedRequest, secret: string) => {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

/** An instant as the driver returns it (mysql2: a Date; SQLite: UTC text). */
const instant = (value: unknown) => (value instanceof Date ? value : new Date(`${String(value).replace(' ', 'T')}Z`));
/** An instant as a statement parameter: SQLite stores UTC text, as TypeORM writes it. */
const sqlInstant = (app: TestApp, date: Date) => (app.db.dialect === 'sqlite' ? date.toISOString().replace('T', ' ').replace('Z', '') : date);

const typeOf = (request: ReceivedRequest) => (JSON.parse(request.body) as { type: string }).type;
const customerOf = (request: ReceivedRequest) => (JSON.parse(request.body) as { data: { customerId: string } }).data.customerId;

describe.each(testDatabases())('webhooks (%s)', (kind) => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let admin: string;
  let n = 0;
  const clock = manualClock(NOW);

  const freshCustomers = async (count: number, partnerId: string = P.direct) => {
    const ids = Array.from({ length: count }, () => `W-${++n}`);
    await app.seed({ customers: ids.map((id) => customer(id, { partnerIds: [partnerId] })) });
    return ids;
  };
  const confirm = async (customerId: string, token = admin) => {
    const { body } = await app.gql(token, CONFIRM, { input: { customerId, dateAgreed: '2026-11-20' } });
    expect(body.errors).toBeUndefined();
  };
  const register = async (events: string[] = ['ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED'], token = admin, url = `${receiver.origin}/hooks`) => {
    const { body } = await app.gql(token, CREATE, { input: { url, events } });
    expect(body.errors).toBeUndefined();
    return body.data!.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
  };
  const deliveries = async (token = admin, variables: Record<string, unknown> = { first: 100 }) => {
    const { body } = await app.gql(token, DELIVERIES, variables);
    expect(body.errors).toBeUndefined();
    return (body.data!.webhookEndpoints as { id: string; deliveries: { totalCount: number; nodes: Record<string, any>[] } }[])[0].deliveries;
  };
  const waitFor = async (done: () => Promise<boolean> | boolean, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`not done within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    app = await startApp(kind, { clock, env: { WEBHOOK_ALLOW_LOCAL_DESTINATIONS: 'true', WEBHOOK_TIMEOUT_SECONDS: '2', WEBHOOK_ENDPOINT_LIMIT: '3' } });
    await app.seed({ partners: partners() });
    admin = await app.token(P.direct, ['ADMIN_AGENT']);
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    for (const partnerId of [P.direct, P.other]) {
      const token = await app.token(partnerId, ['GLOBAL_ADMIN']);
      const { body } = await app.gql(token, LIST);
      for (const endpoint of body.data!.webhookEndpoints as { id: string }[]) await app.gql(token, DELETE, { id: endpoint.id });
    }
    await receiver.close();
  });

  it('registers, lists, changes, rotates and deletes endpoints; the secret is shown once, when made', async () => {
    const globalAdmin = await app.token(P.direct, ['GLOBAL_ADMIN']);
    const created = await register(['AGREEMENT_STATUS_CHANGED', 'ACCEPTANCE_RECORDED'], globalAdmin);
    expect(created).toEqual({
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      endpoint: { id: expect.any(String), url: `${receiver.origin}/hooks`, events: ['ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED'], enabled: true, createdAt: NOW },
    });
    const id = created.endpoint.id;
    expect((await app.gql(admin, LIST)).body.data!.webhookEndpoints).toEqual([created.endpoint]);

    const updated = await app.gql(admin, UPDATE, { input: { id, events: ['AGREEMENT_STATUS_WILL_CHANGE'], enabled: false } });
    expect(updated.body.data!.updateWebhookEndpoint).toEqual({ secret: null, endpoint: { ...created.endpoint, events: ['AGREEMENT_STATUS_WILL_CHANGE'], enabled: false } });

    const rotated = await app.gql(admin, ROTATE, { id });
    const secret = rotated.body.data!.rotateWebhookSecret.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(created.secret);
    const [stored] = await app.db.query<Record<string, any>>('SELECT secret, previous_secret, previous_secret_until FROM webhook_endpoints WHERE id = ?', [id]);
    expect(stored.secret).toBe(secret);
    expect(stored.previous_secret).toBe(created.secret);
    // The old secret keeps signing beside the new one for 24 hours.
    expect(instant(stored.previous_secret_until).getTime()).toBe(clock.now().getTime() + DAY);

    expect((await app.gql(admin, DELETE, { id })).body.data).toEqual({ deleteWebhookEndpoint: { id } });
    expect((await app.gql(admin, LIST)).body.data!.webhookEndpoints).toEqual([]);
    expect(codeOf((await app.gql(admin, ROTATE, { id })).body)).toBe('NOT_FOUND');
  });

  it('lets GLOBAL_ADMIN and ADMIN_AGENT manage endpoints, no other role; another partner sees none of them', async () => {
    const { endpoint } = await register();
    for (const roles of [['SALES_AGENT'], ['HELPDESK_AGENT']]) {
      const token = await app.token(P.direct, roles);
      const list = await app.gql(token, LIST);
      expect(list.body.data).toEqual({ webhookEndpoints: null });
      expect(codeOf(list.body)).toBe('FORBIDDEN');
      for (const [query, variables] of [
        [CREATE, { input: { url: `${receiver.origin}/x`, events: ['ACCEPTANCE_RECORDED'] } }],
        [ROTATE, { id: endpoint.id }],
        [DELETE, { id: endpoint.id }],
        [UPDATE, { input: { id: endpoint.id, enabled: false } }],
      ] as const) {
        expect(codeOf((await app.gql(token, query, variables)).body)).toBe('FORBIDDEN');
      }
    }
    const other = await app.token(P.other, ['ADMIN_AGENT']);
    expect((await app.gql(other, LIST)).body.data).toEqual({ webhookEndpoints: [] });
    for (const [query, variables] of [
      [ROTATE, { id: endpoint.id }],
      [DELETE, { id: endpoint.id }],
      [UPDATE, { input: { id: endpoint.id, enabled: false } }],
    ] as const) {
      const { body } = await app.gql(other, query, variables);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect((await app.gql(admin, LIST)).body.data!.webhookEndpoints).toEqual([expect.objectContaining({ id: endpoint.id, enabled: true })]);
  });

  it('refuses bad input with codes naming the field, and a fourth endpoint past the limit', async () => {
    const bad = async (input: Record<string, unknown>) => (await app.gql(admin, CREATE, { input })).body.errors?.[0];
    expect(await bad({ url: `${receiver.origin}/x`, events: [] })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.events' } });
    expect(await bad({ url: 'ftp://hooks.example.com/x', events: ['ACCEPTANCE_RECORDED'] })).toMatchObject({
      message: 'input.url: must use https.',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.url' },
    });
    expect(await bad({ url: 'not a url', events: ['ACCEPTANCE_RECORDED'] })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.url' } });
    expect(await bad({ url: 'http://user:pw@127.0.0.1/x', events: ['ACCEPTANCE_RECORDED'] })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.url' } });
    expect(codeOf((await app.gql(admin, ROTATE, { id: 'bad id!' })).body)).toBe('BAD_USER_INPUT');
    for (let i = 0; i < 3; i++) await register();
    const fourth = await bad({ url: `${receiver.origin}/x`, events: ['ACCEPTANCE_RECORDED'] });
    expect(fourth).toMatchObject({ extensions: { code: 'WEBHOOK_ENDPOINT_LIMIT_REACHED' } });
    expect(await app.db.query('SELECT id FROM webhook_endpoints WHERE partner_id = ?', [P.direct])).toHaveLength(3);
  });

  it('delivers an event that fails twice and then succeeds: three attempts, one webhook-id, signed as Standard Webhooks says', async () => {
    const { secret } = await register(['ACCEPTANCE_RECORDED']);
    let calls = 0;
    receiver.answerWith((request) => (++calls <= 2 ? { status: 500 } : { status: verifies(request, secret) ? 204 : 401 }));
    const [id] = await freshCustomers(1);
    await confirm(id);
    await until(() => receiver.received.length === 1);
    await waitFor(async () => (await deliveries()).nodes[0]?.status === 'RETRYING');
    expect((await deliveries()).nodes[0]).toMatchObject({ status: 'RETRYING', attempts: 1, lastResponseStatus: 500, nextAttemptAt: expect.any(String) });
    // The schedule: 5 s after the first attempt (and up to 10% more), then 30 s after that.
    clock.advance(4000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(1);
    clock.advance(2000);
    await until(() => receiver.received.length === 2, 20_000);
    await waitFor(async () => (await deliveries()).nodes[0]?.attempts === 2);
    clock.advance(34_000);
    await until(() => receiver.received.length === 3, 20_000);
    await waitFor(async () => (await deliveries()).nodes[0]?.status === 'SUCCEEDED');

    const { nodes, totalCount } = await deliveries();
    expect(totalCount).toBe(1);
    expect(nodes[0]).toMatchObject({ eventType: 'ACCEPTANCE_RECORDED', status: 'SUCCEEDED', attempts: 3, lastResponseStatus: 204, nextAttemptAt: null });
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set([nodes[0].eventId]));
    expect(receiver.received.every((r) => verifies(r, secret))).toBe(true);
    const body = JSON.parse(receiver.received[2].body);
    expect(body).toMatchObject({ type: 'ACCEPTANCE_RECORDED', timestamp: expect.any(String), data: { customerId: id, partnerId: P.direct, acceptanceId: expect.any(String) } });
  });

  it('sends the events of one customer in order: a later one waits for an earlier one that is being retried; other customers do not', async () => {
    await register();
    const [a, b] = await freshCustomers(2);
    let failedOnce = false;
    receiver.answerWith((request) => {
      if (customerOf(request) === a && !failedOnce) {
        failedOnce = true;
        return { status: 503 };
      }
      return { status: 204 };
    });
    await confirm(a);
    await confirm(b);
    // b's two events go out; a's status change waits behind a's acceptance, which failed.
    await until(() => receiver.received.filter((r) => customerOf(r) === b).length === 2, 20_000);
    await waitFor(async () => (await deliveries(admin, { first: 100, status: ['RETRYING'] })).nodes[0]?.attempts === 1);
    expect(receiver.received.filter((r) => customerOf(r) === a).map(typeOf)).toEqual(['ACCEPTANCE_RECORDED']);
    clock.advance(6000);
    await until(() => receiver.received.filter((r) => customerOf(r) === a).length === 3, 20_000);
    expect(receiver.received.filter((r) => customerOf(r) === a).map(typeOf)).toEqual(['ACCEPTANCE_RECORDED', 'ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED']);
    expect(receiver.received.filter((r) => customerOf(r) === b).map(typeOf)).toEqual(['ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED']);
  });

  it('redelivers an event as a new delivery with the same webhook-id; another partner cannot', async () => {
    const { secret } = await register(['ACCEPTANCE_RECORDED']);
    const [id] = await freshCustomers(1);
    await confirm(id);
    await until(() => receiver.received.length === 1);
    await waitFor(async () => (await deliveries()).nodes[0]?.status === 'SUCCEEDED');
    const [first] = (await deliveries()).nodes;

    const other = await app.token(P.other, ['ADMIN_AGENT']);
    expect(codeOf((await app.gql(other, REDELIVER, { id: first.id })).body)).toBe('NOT_FOUND');
    const sales = await app.token(P.direct, ['SALES_AGENT']);
    expect(codeOf((await app.gql(sales, REDELIVER, { id: first.id })).body)).toBe('FORBIDDEN');

    clock.advance(1000);
    const { body } = await app.gql(admin, REDELIVER, { id: first.id });
    expect(body.errors).toBeUndefined();
    const again = body.data!.redeliverWebhookEvent.delivery;
    expect(again).toEqual({ id: expect.any(String), eventId: first.eventId, eventType: 'ACCEPTANCE_RECORDED', status: 'PENDING', attempts: 0 });
    expect(again.id).not.toBe(first.id);
    await until(() => receiver.received.length === 2);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([first.eventId, first.eventId]);
    expect(receiver.received.map((r) => r.body)).toEqual([receiver.received[0].body, receiver.received[0].body]);
    expect(verifies(receiver.received[1], secret)).toBe(true);
    await waitFor(async () => (await deliveries()).nodes.every((d) => d.status === 'SUCCEEDED'));
    const listed = await deliveries();
    expect(listed.totalCount).toBe(2);
    expect(listed.nodes.map((d) => d.id)).toEqual([again.id, first.id]);
    // Pages, newest first, with a status filter.
    const page = await deliveries(admin, { first: 1 });
    expect(page.nodes.map((d) => d.id)).toEqual([again.id]);
    expect((await deliveries(admin, { status: ['GAVE_UP'] })).totalCount).toBe(0);
  });

  it('keeps every event for a receiver that is down for a while, and sends them all, in order per customer, once it is back', async () => {
    await register();
    const customers = await freshCustomers(4);
    let down = true;
    receiver.answerWith(() => (down ? { status: 503 } : { status: 204 }));
    // The clock moves on only once every failed attempt is recorded: a retry falls due its backoff after the failure.
    const failedAttempts = async (attempts: number) => {
      const retrying = (await deliveries(admin, { first: 100, status: ['RETRYING'] })).nodes;
      return retrying.length === 4 && retrying.every((d) => d.attempts === attempts);
    };
    for (const id of customers) await confirm(id);
    await until(() => receiver.received.length === 4, 20_000);
    await waitFor(() => failedAttempts(1), 20_000);
    clock.advance(6000);
    await until(() => receiver.received.length === 8, 20_000);
    await waitFor(() => failedAttempts(2), 20_000);
    clock.advance(35_000);
    await until(() => receiver.received.length === 12, 20_000);
    await waitFor(() => failedAttempts(3), 20_000);
    down = false;
    const failures = receiver.received.length;
    clock.advance(140_000);
    await until(() => receiver.received.length === failures + 8, 20_000);
    const delivered = receiver.received.slice(failures);
    const events = await app.db.query<{ id: string; customer_id: string }>(
      `SELECT id, customer_id FROM status_events WHERE customer_id IN (?, ?, ?, ?) ORDER BY position`,
      customers,
    );
    expect(events).toHaveLength(8);
    expect(new Set(delivered.map((r) => r.headers['webhook-id']))).toEqual(new Set(events.map((e) => e.id)));
    for (const id of customers) {
      expect(delivered.filter((r) => customerOf(r) === id).map((r) => r.headers['webhook-id'])).toEqual(events.filter((e) => e.customer_id === id).map((e) => e.id));
    }
    await waitFor(async () => (await deliveries()).nodes.every((d) => d.status === 'SUCCEEDED'));
    expect((await deliveries()).nodes.filter((d) => d.eventType === 'ACCEPTANCE_RECORDED').map((d) => d.attempts)).toEqual([4, 4, 4, 4]);
  });

  it('gives up after more than 24 hours of failed attempts; the next event of the customer goes out then', async () => {
    await register();
    receiver.answerWith((request) => (typeOf(request) === 'ACCEPTANCE_RECORDED' ? { status: 500 } : { status: 204 }));
    const [id] = await freshCustomers(1);
    await confirm(id);
    const first = clock.now().getTime();
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      await until(() => receiver.received.length === attempt, 20_000);
      await waitFor(async () => (await deliveries(admin, { status: ['RETRYING'] })).nodes[0]?.attempts === attempt);
      const [retrying] = (await deliveries(admin, { status: ['RETRYING'] })).nodes;
      clock.advance(new Date(retrying.nextAttemptAt).getTime() - clock.now().getTime() + 1);
    }
    await until(() => receiver.received.length === MAX_ATTEMPTS + 1, 20_000);
    expect(receiver.received.map(typeOf)).toEqual([...Array(MAX_ATTEMPTS).fill('ACCEPTANCE_RECORDED'), 'AGREEMENT_STATUS_CHANGED']);
    await waitFor(async () => (await deliveries(admin, { status: ['GAVE_UP'] })).totalCount === 1);
    const [gaveUp] = (await deliveries(admin, { status: ['GAVE_UP'] })).nodes;
    expect(gaveUp).toMatchObject({ attempts: MAX_ATTEMPTS, lastResponseStatus: 500, nextAttemptAt: null });
    expect(new Date(gaveUp.lastAttemptAt).getTime() - first).toBeGreaterThan(DAY);
  });

  it('prunes finished deliveries and delivered events past the retention, one process at a time; open ones stay', async () => {
    await register(['ACCEPTANCE_RECORDED']);
    receiver.answerWith(() => ({ status: 204 }));
    const [done, open] = await freshCustomers(2);
    await confirm(done);
    await waitFor(async () => (await deliveries()).nodes[0]?.status === 'SUCCEEDED');
    receiver.answerWith(() => ({ status: 500 }));
    await confirm(open);
    await waitFor(async () => (await deliveries(admin, { status: ['RETRYING'] })).totalCount === 1);
    // Disabled, its endpoint keeps the delivery open (RETRYING) however much time passes.
    const [{ id: endpointId }] = (await app.gql(admin, LIST)).body.data!.webhookEndpoints as { id: string }[];
    await app.gql(admin, UPDATE, { input: { id: endpointId, enabled: false } });

    const webhooks = app.server.services.webhooks;
    clock.advance(31 * DAY);
    // Another process holds the job: this one leaves it.
    await app.db.query("UPDATE job_leases SET holder = 'elsewhere', `until` = ? WHERE name = 'webhook-prune'", [sqlInstant(app, new Date(clock.now().getTime() + HOUR))]);
    await expect(webhooks.prune()).resolves.toBeNull();
    await app.db.query("UPDATE job_leases SET `until` = ? WHERE name = 'webhook-prune'", [sqlInstant(app, new Date(0))]);

    const eventsOf = (id: string) => app.db.query('SELECT id FROM status_events WHERE customer_id = ?', [id]);
    expect(await eventsOf(done)).toHaveLength(2);
    const pruned = await webhooks.prune();
    expect(pruned!.deliveries).toBeGreaterThanOrEqual(1);
    expect(pruned!.events).toBeGreaterThanOrEqual(2);
    expect(await eventsOf(done)).toHaveLength(0);
    // The delivery still open keeps its event; the customer's status change, which no endpoint takes, goes.
    expect(await app.db.query('SELECT type FROM status_events WHERE customer_id = ?', [open])).toEqual([{ type: 'ACCEPTANCE_RECORDED' }]);
    expect((await deliveries()).nodes.map((d) => d.status)).toEqual(['RETRYING']);
    expect(await webhooks.prune()).toEqual({ deliveries: 0, events: 0 });
  });
});

describe.each(testDatabases())('webhook destinations in production (%s)', (kind) => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    app = await startApp(kind, { env: { NODE_ENV: 'production', ...PRODUCTION_SIGNING } });
    await app.seed({ partners: partners(), customers: [customer('SSRF-1')] });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  it.each([
    ['http://hooks.example.com/x', 'input.url: must use https.'],
    ['https://127.0.0.1/hooks', 'input.url: is a loopback address; webhooks go to public addresses only.'],
    ['https://localhost/hooks', 'input.url: resolves to a loopback address; webhooks go to public addresses only.'],
    ['https://10.1.2.3/hooks', 'input.url: is a private address; webhooks go to public addresses only.'],
    ['https://169.254.169.254/latest/meta-data', 'input.url: is a link-local address; webhooks go to public addresses only.'],
    ['https://[::1]/hooks', 'input.url: is a loopback address; webhooks go to public addresses only.'],
    ['https://[::ffff:127.0.0.1]/hooks', 'input.url: is a loopback address; webhooks go to public addresses only.'],
  ])('refuses to register %s', async (url, message) => {
    const admin = await app.token(P.direct, ['ADMIN_AGENT']);
    const { body } = await app.gql(admin, CREATE, { input: { url, events: ['ACCEPTANCE_RECORDED'] } });
    expect(body.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', field: 'input.url' } });
  });

  it('checks the destination again at delivery: an endpoint that now points at a loopback address gets nothing', async () => {
    // As if its name had resolved to a public address when it was registered.
    await app.db.query(
      'INSERT INTO webhook_endpoints (id, partner_id, url, events, enabled, secret, previous_secret, previous_secret_until, created_at) VALUES (?, ?, ?, ?, 1, ?, NULL, NULL, ?)',
      ['ep-rebound', P.direct, `https://127.0.0.1:${receiver.port}/hooks`, 'ACCEPTANCE_RECORDED', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', sqlInstant(app, new Date())],
    );
    const admin = await app.token(P.direct, ['ADMIN_AGENT']);
    const { body } = await app.gql(admin, CONFIRM, { input: { customerId: 'SSRF-1', dateAgreed: new Date().toISOString().slice(0, 10) } });
    expect(body.errors).toBeUndefined();
    let rows: Record<string, any>[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      rows = await app.db.query('SELECT status, attempts, last_response_status FROM webhook_deliveries WHERE endpoint_id = ?', ['ep-rebound']);
      if (rows[0]?.attempts >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rows).toEqual([{ status: 'RETRYING', attempts: 1, last_response_status: null }]);
    expect(receiver.received).toHaveLength(0);
  });
});
