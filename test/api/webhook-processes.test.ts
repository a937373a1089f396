import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { signToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config';
import { startApp, TEST_SECRET, type TestApp } from '../helpers/app';
import { type ScratchDatabase, scratchDatabase, seedDatabase, testDatabases } from '../helpers/databases';
import { customer, P, partners } from '../helpers/fixtures';
import { percentile, until } from '../helpers/live';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { type ReceivedRequest, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

const CREATE = 'mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id } } }';
const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';
const ALL_EVENTS = ['ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED', 'AGREEMENT_STATUS_WILL_CHANGE', 'ACCEPTANCE_REQUEST_UPDATED'];
/** Server processes outside production, so that they may deliver to a receiver on this machine. */
const LOCAL_DELIVERY = { NODE_ENV: 'test', WEBHOOK_ALLOW_LOCAL_DESTINATIONS: 'true', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' };

/** Starting a process takes longer on a busy machine. */
const STARTUP_MS = 60_000;

const range = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const customerOf = (request: ReceivedRequest) => (JSON.parse(request.body) as { data: { customerId: string } }).data.customerId;
const typeOf = (request: ReceivedRequest) => (JSON.parse(request.body) as { type: string }).type;

/** Runs `work` over `items`, `concurrency` at a time. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

async function post(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

describe.each(testDatabases())('webhooks from several server processes (%s)', (kind) => {
  let scratch: ScratchDatabase;
  let receiver: WebhookReceiver;
  let token: string;
  const servers: ServerProcess[] = [];
  const customers = range('WP', 500);
  const rows = <T>(sql: string, params: unknown[] = []) => scratch.dataSource.query(sql, params) as Promise<T[]>;

  beforeAll(async () => {
    scratch = await scratchDatabase(kind, { shared: true });
    await seedDatabase(scratch.dataSource, { partners: partners(), customers: [...customers, 'WK-1'].map((id) => customer(id)) });
    token = await signToken(loadConfig({ JWT_SECRET: TEST_SECRET }).tokens, { partnerId: P.direct, userId: 'u', roles: ['ADMIN_AGENT'], expiresIn: '10m' });
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await receiver?.close();
    await scratch?.drop();
  });

  it('delivers each of 1,000 events exactly once, in order per customer, with two processes sharing the work', async () => {
    const a = await startServerProcess(scratch.url, LOCAL_DELIVERY, [], STARTUP_MS);
    servers.push(a);
    const b = await startServerProcess(scratch.url, LOCAL_DELIVERY, [], STARTUP_MS);
    servers.push(b);
    const { createWebhookEndpoint } = await post(a.url, token, CREATE, { input: { url: `${receiver.origin}/hooks`, events: ALL_EVENTS } });
    const secret = createWebhookEndpoint.secret as string;
    const receivedAt = new Map<string, number>();
    receiver.answerWith((request) => {
      receivedAt.set(String(request.headers['webhook-id']), Date.now());
      try {
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
        return { status: 204 };
      } catch {
        return { status: 401 };
      }
    });

    // 500 acceptances, half through each process, eight at a time: 1,000 events.
    let failedAsWhole = 0;
    await inParallel(customers, 8, async (customerId, i) => {
      const server = i % 2 ? b : a;
      for (let attempt = 1; ; attempt++) {
        try {
          await post(server.url, token, CONFIRM, { input: { customerId, dateAgreed: '2026-01-05' } });
          return;
        } catch (error) {
          // A mutation that failed as a whole (a deadlock between concurrent requests) wrote nothing: sent again, as a client would.
          if (attempt === 3 || !String(error).includes('INTERNAL_SERVER_ERROR')) throw error;
          failedAsWhole += 1;
        }
      }
    });
    if (failedAsWhole > 0) console.log(`[${kind}] ${failedAsWhole} of 500 mutations failed as a whole and were sent again`);
    await until(() => receiver.received.length >= 1000, 180_000);
    // Time for a second (duplicate) sending to show up, were there one.
    await new Promise((resolve) => setTimeout(resolve, 2500));

    const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const events = await rows<{ id: string; customer_id: string; occurred_at: unknown }>(`SELECT id, customer_id, occurred_at FROM status_events ORDER BY position`);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    for (const customerId of customers) {
      expect(receiver.received.filter((r) => customerOf(r) === customerId).map(typeOf)).toEqual(['ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED']);
    }
    const stored = await rows<{ status: string; attempts: number; n: number }>('SELECT status, attempts, COUNT(*) AS n FROM webhook_deliveries GROUP BY status, attempts');
    expect(stored.map((s) => ({ ...s, n: Number(s.n) }))).toEqual([{ status: 'SUCCEEDED', attempts: 1, n: 1000 }]);

    // From the event's time (recorded within its transaction, just before the commit) to its receipt, across processes.
    const latencies = receiver.received.map((r) => receivedAt.get(String(r.headers['webhook-id']))! - Date.parse((JSON.parse(r.body) as { timestamp: string }).timestamp));
    console.log(`[${kind}] two processes, 1,000 events: event recorded → webhook received p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`);
  }, 300_000);

  it('sends again after a restart what a process sent but was killed before recording: a duplicate, never a loss', async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    const env = { ...LOCAL_DELIVERY, WEBHOOK_TIMEOUT_SECONDS: '2' };
    const victim = await startServerProcess(scratch.url, env, [], STARTUP_MS);
    const before = receiver.received.length;
    let first = true;
    receiver.answerWith(() => {
      if (!first) return { status: 204 };
      first = false;
      // Killed after sending, before the answer could be recorded.
      victim.child.kill('SIGKILL');
      return 'hang';
    });
    // The process may be killed before it answers: the acceptance is committed by then all the same.
    await post(victim.url, token, CONFIRM, { input: { customerId: 'WK-1', dateAgreed: '2026-01-05' } }).catch(() => null);
    await until(() => victim.child.exitCode !== null || victim.child.signalCode !== null, 10_000);
    const [held] = await rows<{ status: string; attempts: number }>(
      "SELECT d.status, d.attempts FROM webhook_deliveries d JOIN status_events e ON e.id = d.event_id WHERE e.customer_id = 'WK-1' AND e.type = 'ACCEPTANCE_RECORDED'",
    );
    expect(held).toEqual({ status: 'PENDING', attempts: 0 });

    const restarted = await startServerProcess(scratch.url, env, [], STARTUP_MS);
    servers.push(restarted);
    // The claim's lease (two attempts' time and a margin) runs out, and the restarted process sends it again.
    await until(() => receiver.received.length >= before + 3, 30_000);
    const got = receiver.received.slice(before);
    expect(got.map(typeOf)).toEqual(['ACCEPTANCE_RECORDED', 'ACCEPTANCE_RECORDED', 'AGREEMENT_STATUS_CHANGED']);
    expect(got[1].headers['webhook-id']).toBe(got[0].headers['webhook-id']);
    const deadline = Date.now() + 5000;
    let done: { status: string; attempts: number }[] = [];
    while (Date.now() < deadline) {
      done = await rows("SELECT d.status, d.attempts FROM webhook_deliveries d JOIN status_events e ON e.id = d.event_id WHERE e.customer_id = 'WK-1' ORDER BY e.position");
      if (done.every((d) => d.status === 'SUCCEEDED')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(done).toEqual([
      { status: 'SUCCEEDED', attempts: 1 },
      { status: 'SUCCEEDED', attempts: 1 },
    ]);
  }, 120_000);
});

describe.each(testDatabases())('commit → webhook receipt latency (%s)', (kind) => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    app = await startApp(kind, { env: { WEBHOOK_ALLOW_LOCAL_DESTINATIONS: 'true', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' } });
    receiver = await startWebhookReceiver();
    await app.seed({ partners: partners(), customers: range('WL', 500).map((id) => customer(id)) });
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  it('measures p50 and p99 over 1,000 events (500 acceptances, two at a time), from the commit to the receiver', async () => {
    const admin = await app.token(P.direct, ['ADMIN_AGENT']);
    const { body } = await app.gql(admin, CREATE, { input: { url: `${receiver.origin}/hooks`, events: ALL_EVENTS } });
    expect(body.errors).toBeUndefined();
    const committed = new Map<string, number>();
    const received = new Map<string, number>();
    app.server.services.outbox.onCommitted((events) => {
      const now = performance.now();
      for (const event of events) committed.set(event.id, now);
    });
    receiver.answerWith((request) => {
      received.set(String(request.headers['webhook-id']), performance.now());
      return { status: 204 };
    });
    await inParallel(range('WL', 500), 2, async (customerId) => {
      const answer = await app.gql(admin, CONFIRM, { input: { customerId, dateAgreed: '2026-01-05' } });
      expect(answer.body.errors).toBeUndefined();
    });
    await until(() => received.size >= 1000, 180_000);
    expect(committed.size).toBe(1000);
    const latencies = [...committed].map(([id, at]) => received.get(id)! - at);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`[${kind}] commit → webhook receipt over ${latencies.length} events: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
    expect(Math.min(...latencies)).toBeGreaterThan(0);
  }, 300_000);
});
