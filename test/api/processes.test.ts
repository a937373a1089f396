import { signToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config';
import { TEST_SECRET } from '../helpers/app';
import { type ScratchDatabase, scratchDatabase, seedDatabase, testDatabases } from '../helpers/databases';
import { acceptance, customer, OFFER, offers, P, partners, subscription } from '../helpers/fixtures';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const CONFIRM = 'mutation ($input: ConfirmAcceptanceInput!) { confirmCustomerAcceptance(input: $input) { acceptance { id } } }';
const ORDER = 'mutation ($input: CreateOrderInput!) { createOrder(input: $input) { order { id } } }';
const SEATS = 'mutation ($input: UpdateSubscriptionQuantityInput!) { updateSubscriptionQuantity(input: $input) { subscription { quantity } } }';

interface Answer {
  status: number;
  replayed: boolean;
  code: string;
  text: string;
}

const range = (prefix: string, count: number) => Array.from({ length: count }, (_, n) => `${prefix}-${n}`);

describe.each(testDatabases())('two server processes on one database (%s)', (kind) => {
  let scratch: ScratchDatabase;
  let server: ServerProcess;
  let token: string;
  const duplicates = range('D', 40);
  const keyed = range('K', 20);
  const racing = range('R', 20);
  const seats = range('S', 20);

  beforeAll(async () => {
    scratch = await scratchDatabase(kind, { shared: true });
    await seedDatabase(scratch.dataSource, {
      partners: partners(),
      offers: offers(),
      customers: [...duplicates, ...keyed, ...racing, ...seats].map((id) => customer(id)),
      subscriptions: seats.map((id) => subscription(`SUB-${id}`, id, P.direct)),
      acceptances: seats.map((id) => acceptance(`ACC-${id}`, id, P.direct)),
    });
    token = await signToken(loadConfig({ JWT_SECRET: TEST_SECRET }).tokens, { partnerId: P.direct, userId: 'u', roles: ['ADMIN_AGENT'], expiresIn: '10m' });
    server = await startServerProcess(scratch.url, { WORKERS: '2', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
  });
  afterAll(async () => {
    await server?.stop();
    await scratch?.drop();
  });

  const send = async (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    const body = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
    return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', code: body.errors?.[0]?.extensions?.code ?? 'OK', text };
  };
  const rows = <T>(sql: string, params: unknown[] = []) => scratch.dataSource.query(sql, params) as Promise<T[]>;

  it('stores only what a serial execution of 200 concurrent mixed mutations allows', async () => {
    const confirm = (customerId: string, headers?: Record<string, string>) => send(CONFIRM, { input: { customerId, dateAgreed: '2026-01-05' } }, headers);
    const requests: [string, string, Promise<Answer>][] = [
      ...duplicates.flatMap((id) => [0, 1].map(() => ['duplicate', id, confirm(id)] as [string, string, Promise<Answer>])),
      ...keyed.flatMap((id) => [0, 1].map(() => ['keyed', id, confirm(id, { 'Idempotency-Key': `key-${id}` })] as [string, string, Promise<Answer>])),
      ...racing.flatMap((id) => [
        ['order', id, send(ORDER, { input: { customerId: id, lineItems: [{ offerId: OFFER.licence, quantity: 3 }] } })] as [string, string, Promise<Answer>],
        ['confirm', id, confirm(id)] as [string, string, Promise<Answer>],
      ]),
      ...seats.flatMap((id) => [21, 22].map((quantity) => ['seats', id, send(SEATS, { input: { subscriptionId: `SUB-${id}`, quantity } })] as [string, string, Promise<Answer>])),
    ];
    expect(requests).toHaveLength(200);
    const answers = await Promise.all(requests.map(async ([kindOf, id, answer]) => ({ kindOf, id, ...(await answer) })));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);

    const acceptancesOf = async (id: string) => Number((await rows<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances WHERE customer_id = ?', [id]))[0].n);
    const tally: Record<string, Record<string, number>> = {};
    for (const a of answers) {
      const key = `${a.code}${a.replayed ? ' (replayed)' : ''}`;
      tally[a.kindOf] = { ...tally[a.kindOf], [key]: (tally[a.kindOf]?.[key] ?? 0) + 1 };
    }
    console.log(`${kind}: outcomes of 200 concurrent mutations over 2 processes: ${JSON.stringify(tally)}`);

    for (const id of duplicates) {
      const pair = answers.filter((a) => a.kindOf === 'duplicate' && a.id === id).map((a) => a.code).sort();
      expect({ id, pair }).toEqual({ id, pair: ['ACCEPTANCE_ALREADY_EXISTS', 'OK'] });
      expect(await acceptancesOf(id)).toBe(1);
    }
    for (const id of keyed) {
      const pair = answers.filter((a) => a.kindOf === 'keyed' && a.id === id);
      const ran = pair.filter((a) => !a.replayed && a.code === 'OK');
      expect(ran).toHaveLength(1);
      for (const other of pair.filter((a) => a !== ran[0])) {
        // the other one waited and replayed the same answer, or was told the key is in use
        expect(other.replayed ? other.text : other.code).toBe(other.replayed ? ran[0].text : 'IDEMPOTENCY_KEY_IN_USE');
      }
      expect(await acceptancesOf(id)).toBe(1);
    }
    for (const id of racing) {
      const order = answers.find((a) => a.kindOf === 'order' && a.id === id)!;
      const confirmed = answers.find((a) => a.kindOf === 'confirm' && a.id === id)!;
      expect(confirmed.code).toBe('OK');
      expect(['OK', 'ACCEPTANCE_REQUIRED']).toContain(order.code);
      const [orders] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?', [id]);
      const [subscriptions] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM subscriptions WHERE customer_id = ?', [id]);
      expect(Number(orders.n)).toBe(order.code === 'OK' ? 1 : 0);
      expect(Number(subscriptions.n)).toBe(order.code === 'OK' ? 1 : 0);
      expect(await acceptancesOf(id)).toBe(1);
    }
    for (const id of seats) {
      expect(answers.filter((a) => a.kindOf === 'seats' && a.id === id).map((a) => a.code)).toEqual(['OK', 'OK']);
      const [row] = await rows<{ quantity: number }>('SELECT quantity FROM subscriptions WHERE id = ?', [`SUB-${id}`]);
      expect([21, 22]).toContain(Number(row.quantity));
    }
    const [total] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM acceptances');
    expect(Number(total.n)).toBe(duplicates.length + keyed.length + racing.length + seats.length);
    const [pairs] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM (SELECT partner_id, customer_id, agreement_type, sequence FROM acceptances GROUP BY partner_id, customer_id, agreement_type, sequence HAVING COUNT(*) > 1) d');
    expect(Number(pairs.n)).toBe(0);
    // two worker processes were listening on the port
    expect(new Set([...server.output().matchAll(/"pid":(\d+)/g)].map((m) => m[1])).size).toBeGreaterThanOrEqual(2);
  });
});
