import { signToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config';
import { TEST_SECRET } from '../helpers/app';
import { type ScratchDatabase, scratchDatabase, seedDatabase, testDatabases } from '../helpers/databases';
import { customer, offers, P, partners } from '../helpers/fixtures';
import { startServerProcess } from '../helpers/server-process';

const BULK = `mutation ($inputs: [ConfirmAcceptanceInput!]!) { confirmCustomerAcceptances(inputs: $inputs) { succeeded results { ... on AcceptanceSuccess { acceptance { id } } } } }`;

describe.each(testDatabases())('graceful shutdown of a server process (%s)', (kind) => {
  let scratch: ScratchDatabase;
  let token: string;
  const ids = Array.from({ length: 400 }, (_, n) => `G-${n}`);

  beforeAll(async () => {
    scratch = await scratchDatabase(kind, { shared: true });
    await seedDatabase(scratch.dataSource, { partners: partners(), offers: offers(), customers: ids.map((id) => customer(id)) });
    token = await signToken(loadConfig({ JWT_SECRET: TEST_SECRET }).tokens, { partnerId: P.direct, userId: 'u', roles: ['ADMIN_AGENT'], expiresIn: '10m' });
  });
  afterAll(() => scratch.drop());

  it('turns /readyz to 503, finishes the request in flight, refuses new connections, exits 0, and loses no acknowledged write', async () => {
    const server = await startServerProcess(scratch.url, { SHUTDOWN_DELAY_SECONDS: '1', SHUTDOWN_TIMEOUT_SECONDS: '20' });
    const base = server.url;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const inFlight = fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: BULK, variables: { inputs: ids.map((customerId) => ({ customerId, dateAgreed: '2026-01-05' })) } }),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = server.stop();

    // during the shutdown delay the process still answers, but no longer as ready
    let readiness = await fetch(`${base}/readyz`);
    for (let i = 0; readiness.status === 200 && i < 40; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      readiness = await fetch(`${base}/readyz`);
    }
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'shutting down' });

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const { data } = (await answer.json()) as { data: { confirmCustomerAcceptances: { succeeded: number; results: { acceptance: { id: string } }[] } } };
    expect(data.confirmCustomerAcceptances.succeeded).toBe(ids.length);

    expect(await exited).toBe(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(server.output()).toMatch(/"msg":"stopped"/);

    // after a restart every acknowledged acceptance is there
    const restarted = await startServerProcess(scratch.url);
    try {
      const query = `{ customers(first: 500) { nodes { id agreementStatus { acceptance { id } } } } }`;
      const response = await fetch(`${restarted.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      const stored = (await response.json()) as { data: { customers: { nodes: { agreementStatus: { acceptance: { id: string } | null } }[] } } };
      const storedIds = new Set(stored.data.customers.nodes.map((n) => n.agreementStatus.acceptance?.id));
      for (const result of data.confirmCustomerAcceptances.results) expect(storedIds.has(result.acceptance.id)).toBe(true);
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  });
});
