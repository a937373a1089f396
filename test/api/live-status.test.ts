import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Client, createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { createDataSource } from '../../ormconfig';
import { loadConfig } from '../../src/config';
import { createServer } from '../../src/server';
import { createLogger } from '../../src/shared/logger';
import { Database } from '../../src/shared/unit-of-work';
import { StatusEventType } from '../../src/status/status-event.entity';
import { startApp, TEST_SECRET, type TestApp } from '../helpers/app';
import { testDatabases } from '../helpers/databases';
import { acceptance, customer, MCA_V1, offers, template } from '../helpers/fixtures';
import { cli } from '../helpers/cli';
import { percentile, TEST_REDIS_URL, until } from '../helpers/live';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const CHANGES = `subscription ($ids: [ID!]) {
  agreementStatusChanged(customerIds: $ids) { customer { id companyName } previous status { type status canTransact } reason at }
}`;
const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';
const ORDER = 'mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }';
const V2 = 'MCA-LIVE-V2';
const LATENCY_EVENTS = 1000;

interface Change {
  customer: { id: string; companyName: string };
  previous: string;
  status: { type: string; status: string; canTransact: boolean };
  reason: string;
  at: string;
}

/** One subscription's messages as they come (with when each came), and how it ended. */
interface Watch {
  changes: Change[];
  arrivedAt: number[];
  errors: unknown[];
  ended: Promise<{ error?: unknown }>;
  stop(): void;
}

/** Another server in this process, over an existing database, without REDIS_URL. */
async function serverOver(databaseUrl: string): Promise<Pick<TestApp, 'url' | 'gql'> & { close(): Promise<void> }> {
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  const server = await createServer({ config: loadConfig({ JWT_SECRET: TEST_SECRET, NODE_ENV: 'test' }), db: new Database(dataSource), logger: createLogger('silent') });
  const { port } = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async gql(token, query, variables) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as never };
    },
    async close() {
      await server.close();
      await dataSource.destroy();
    },
  };
}

/**
 * Status changes as frontends follow them: the subscription over WebSocket on
 * a server process (the compiled server, as `npm start` runs it), the changes
 * made over HTTP on another process of the same database, both with REDIS_URL.
 * Partners get ids of this run's own, so that runs sharing the Redis server
 * never hear each other.
 */
describe.each(testDatabases())('agreementStatusChanged, end to end (%s)', (kind) => {
  const run = randomBytes(4).toString('hex');
  const partner = `p-live-${run}`;
  const otherPartner = `p-live-other-${run}`;
  const latencyCustomers = Array.from({ length: LATENCY_EVENTS }, (_, i) => `L-${i}`);
  /** Customers of both partners whose confirmations tell that a new subscription listens (each changes once per partner). */
  const probes = Array.from({ length: 100 }, (_, i) => `P-${i}`);
  const probesUsed = new Map<string, number>();
  let app: TestApp;
  let processB: ServerProcess;
  let token: string;
  let otherToken: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    app = await startApp(kind, { sharedDatabase: true, env: { REDIS_URL: TEST_REDIS_URL, RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' } });
    await app.seed({
      partners: [
        { id: partner, name: 'Live Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
        { id: otherPartner, name: 'Other Live Partner', type: 'DIRECT_BILL', cloud: 'PUBLIC' },
      ],
      offers: offers(),
      agreements: [template(V2, 2, { effectiveDate: '2025-01-01' })],
      customers: [
        ...['C-1', 'C-2', 'C-3', 'C-4', 'R-1', 'R-2', 'R-3', 'N-1', 'N-2', 'I-1'].map((id) => customer(id, { partnerIds: [partner] })),
        customer('S-1', { partnerIds: [partner, otherPartner] }),
        ...probes.map((id) => customer(id, { partnerIds: [partner, otherPartner] })),
        customer('O-1', { partnerIds: [otherPartner] }),
        customer('O-2', { partnerIds: [otherPartner] }),
        ...latencyCustomers.map((id) => customer(id, { partnerIds: [partner] })),
      ],
    });
    token = await app.token(partner, ['ADMIN_AGENT']);
    otherToken = await app.token(otherPartner, ['ADMIN_AGENT']);
    processB = await startServerProcess(app.databaseUrl, { REDIS_URL: TEST_REDIS_URL });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
  });

  afterAll(async () => {
    await processB?.stop();
    await app?.close();
  });

  const wsUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/graphql`;

  /** Subscribes on the server at `httpUrl`; resolves once the server listens (its first `next` would be sent from then). */
  async function watch(httpUrl: string, bearer: string, ids?: string[], via: Pick<TestApp, 'gql'> = app): Promise<Watch> {
    const variables = ids ? { ids: [...ids, ...probes] } : {};
    const client = createClient({ url: wsUrl(httpUrl), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${bearer}` }, retryAttempts: 0 });
    clients.push(client);
    const changes: Change[] = [];
    const arrivedAt: number[] = [];
    const errors: unknown[] = [];
    const probed: string[] = [];
    let stop = () => {};
    const ended = new Promise<{ error?: unknown }>((resolve) => {
      stop = client.subscribe(
        { query: CHANGES, variables },
        {
          next: (result) => {
            if (result.errors) errors.push(...result.errors);
            else {
              const change = (result.data as { agreementStatusChanged: Change }).agreementStatusChanged;
              if (change.customer.id.startsWith('P-')) probed.push(change.customer.id);
              else {
                changes.push(change);
                arrivedAt.push(performance.now());
              }
            }
          },
          error: (error) => resolve({ error }),
          complete: () => resolve({}),
        },
      );
    });
    await listening(via, bearer, probed, ended);
    return { changes, arrivedAt, errors, ended, stop: () => stop() };
  }

  /**
   * graphql-ws tells the client nothing once a subscription listens: a probe
   * customer of the caller's partner is confirmed (on the server `via`) until
   * one of them comes through (a refused subscription ends instead).
   */
  async function listening(via: Pick<TestApp, 'gql'>, bearer: string, probed: string[], ended: Promise<unknown>): Promise<void> {
    let done = false;
    void ended.then(() => (done = true));
    while (!done && probed.length === 0) {
      const used = probesUsed.get(bearer) ?? 0;
      probesUsed.set(bearer, used + 1);
      await confirm(bearer, probes[used], undefined, via);
      const deadline = Date.now() + 500;
      while (!done && probed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const confirm = async (bearer: string, customerId: string, templateId?: string, via: Pick<TestApp, 'gql'> = app) => {
    const { body } = await via.gql(bearer, CONFIRM, { input: { customerId, dateAgreed: '2026-01-05', ...(templateId ? { templateId } : {}) } });
    expect(body.errors).toBeUndefined();
  };

  it('sends a subscriber on one process the change a confirmation committed on another, through Redis', async () => {
    const b = await watch(processB.url, token);
    const before = Date.now();
    await confirm(token, 'C-1');
    await until(() => b.changes.length === 1);
    expect(b.errors).toEqual([]);
    expect(b.changes[0]).toEqual({
      customer: { id: 'C-1', companyName: 'Company C-1' },
      previous: 'NOT_ACCEPTED',
      status: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', status: 'ACCEPTED', canTransact: true },
      reason: 'ACCEPTANCE_RECORDED',
      at: expect.any(String),
    });
    expect(Date.parse(b.changes[0].at)).toBeGreaterThanOrEqual(before - 1000);
    // The same process's subscribers hear it as well.
    const a = await watch(app.url, token);
    await confirm(token, 'C-2');
    await until(() => a.changes.length === 1 && b.changes.length === 2);
    expect([a.changes[0].customer.id, b.changes[1].customer.id]).toEqual(['C-2', 'C-2']);
  });

  it('sends subscribers the change an import by the CLI committed, through Redis', async () => {
    const here = await watch(app.url, token, ['I-1']);
    const dir = mkdtempSync(join(tmpdir(), 'live-import-'));
    try {
      const file = join(dir, 'import.json');
      const record = acceptance(`A-I-1-${run}`, 'I-1', partner, { templateId: V2, dateAgreed: '2025-06-01', recordedAt: '2025-06-01T10:00:00.000Z' });
      writeFileSync(file, JSON.stringify({ acceptances: [record] }));
      const imported = await cli(app.databaseUrl, ['import', file], { REDIS_URL: TEST_REDIS_URL });
      expect(imported).toMatchObject({ code: 0, stderr: '' });
      await until(() => here.changes.length === 1, 10_000);
      expect(here.errors).toEqual([]);
      expect(here.changes[0]).toEqual({
        customer: { id: 'I-1', companyName: 'Company I-1' },
        previous: 'NOT_ACCEPTED',
        status: { type: 'MICROSOFT_CUSTOMER_AGREEMENT', status: 'ACCEPTED', canTransact: true },
        reason: 'ACCEPTANCE_RECORDED',
        at: expect.any(String),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sends a partner only its own customers' changes", async () => {
    const mine = await watch(processB.url, token);
    const theirs = await watch(processB.url, otherToken);
    // S-1 is a customer of both: the acceptance of one partner changes that partner's status only.
    await confirm(otherToken, 'S-1');
    await confirm(otherToken, 'O-1');
    await until(() => theirs.changes.length === 2);
    expect(theirs.changes.map((c) => c.customer.id)).toEqual(['S-1', 'O-1']);
    await confirm(token, 'C-3');
    await until(() => mine.changes.length === 1);
    expect(mine.changes.map((c) => c.customer.id)).toEqual(['C-3']);
    expect(mine.changes[0].previous).toBe('NOT_ACCEPTED');
    // Nor does the other partner hear of this partner's: had it been sent, it would have come before O-2's.
    await confirm(token, 'S-1');
    await until(() => mine.changes.length === 2);
    await confirm(otherToken, 'O-2');
    await until(() => theirs.changes.length === 3);
    expect(mine.changes.map((c) => c.customer.id)).toEqual(['C-3', 'S-1']);
    expect(theirs.changes.map((c) => c.customer.id)).toEqual(['S-1', 'O-1', 'O-2']);
  });

  it('sends only the customers named, and refuses ids that are not ids', async () => {
    const named = await watch(processB.url, token, ['C-4', 'R-3']);
    const all = await watch(processB.url, token);
    await confirm(token, 'R-3', MCA_V1);
    await confirm(token, 'R-2', MCA_V1);
    await confirm(token, 'C-4');
    await until(() => all.changes.length === 3 && named.changes.length === 2);
    expect(all.changes.map((c) => c.customer.id)).toEqual(['R-3', 'R-2', 'C-4']);
    expect(named.changes.map((c) => [c.customer.id, c.previous, c.status.status])).toEqual([
      ['R-3', 'NOT_ACCEPTED', 'OUTDATED'],
      ['C-4', 'NOT_ACCEPTED', 'ACCEPTED'],
    ]);

    const bad = await watch(processB.url, token, ['C-4', 'not an id']);
    await bad.ended;
    expect(bad.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'customerIds[1]' }) })]);
  });

  it('publishes nothing of a change that is rolled back', async () => {
    const b = await watch(processB.url, token, ['R-1', 'C-1']);
    const [{ n: eventsBefore }] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM status_events WHERE type = ?', [StatusEventType.AGREEMENT_STATUS_CHANGED]);
    // The acceptance of the older version (NOT_ACCEPTED to OUTDATED) is recorded, then the purchase gate refuses the order: all of it is undone.
    const { body } = await app.gql(token, ORDER, {
      input: { customerId: 'R-1', lineItems: [{ offerId: offers()[0].id, quantity: 1 }], agreementAcceptance: { templateId: MCA_V1, dateAgreed: '2026-01-05' } },
    });
    expect(body.errors?.[0].extensions?.code).toBe('ACCEPTANCE_REQUIRED');
    const [{ n: eventsAfter }] = await app.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM status_events WHERE type = ?', [StatusEventType.AGREEMENT_STATUS_CHANGED]);
    expect(Number(eventsAfter)).toBe(Number(eventsBefore));
    // The next change committed is the first message: the rolled-back one was never sent.
    await confirm(token, 'R-1', MCA_V1);
    await until(() => b.changes.length === 1);
    expect(b.changes.map((c) => [c.customer.id, c.previous, c.status.status])).toEqual([['R-1', 'NOT_ACCEPTED', 'OUTDATED']]);
  });

  it('without REDIS_URL, sends a process\'s subscribers the changes that process commits only', async () => {
    const alone = await serverOver(app.databaseUrl);
    try {
      const here = await watch(alone.url, token, undefined, alone);
      await confirm(token, 'N-1');
      await confirm(token, 'N-2', undefined, alone);
      await until(() => here.changes.length === 1);
      expect(here.changes.map((c) => c.customer.id)).toEqual(['N-2']);
    } finally {
      await alone.close();
    }
  });

  it('refuses a subscription sent over HTTP', async () => {
    const { status, body } = await app.gql(token, CHANGES);
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Subscriptions are served over WebSocket/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it(`delivers ${LATENCY_EVENTS} changes, each from its commit on one process to a subscriber of another (latency measured)`, async () => {
    const committedAt = new Map<string, number>();
    app.server.services.outbox.onCommitted((events) => {
      const now = performance.now();
      for (const event of events) if (event.type === StatusEventType.AGREEMENT_STATUS_CHANGED) committedAt.set(event.customerId, now);
    });
    const b = await watch(processB.url, token);
    const started = performance.now();
    for (const [i, id] of latencyCustomers.entries()) {
      await confirm(token, id);
      await until(() => b.changes.length === i + 1, 10_000);
    }
    const elapsed = performance.now() - started;
    expect(b.errors).toEqual([]);
    expect(b.changes.map((c) => c.customer.id)).toEqual(latencyCustomers);
    expect(b.changes.every((c) => c.status.status === 'ACCEPTED')).toBe(true);
    const latencies = b.changes.map((c, i) => b.arrivedAt[i] - committedAt.get(c.customer.id)!);
    const ms = (value: number) => value.toFixed(1);
    console.log(
      `${kind}: commit (process A) to subscription message (process B, through Redis), ${LATENCY_EVENTS} confirmations one at a time: ` +
        `p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(Math.max(...latencies))} ms; ${ms(elapsed / 1000)} s in all`,
    );
    expect(percentile(latencies, 50)).toBeLessThan(250);
  }, 300_000);
});
