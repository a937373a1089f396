/**
 * The benchmark's baseline: the same answers as the GraphQL API, written by
 * hand with plain node:http over the hand-written store (reference-store.ts:
 * the same SQL work as the API, the same rules, the same writes). It skips
 * only what a GraphQL framework adds: parsing and validating the document,
 * resolver dispatch, per-request loaders, and the API's request log,
 * metrics and limits.
 *
 * It answers exactly the documents of `scenarios.ts`, nothing else.
 * Environment: BENCH_DATABASE_URL, JWT_SECRET, PORT (0: any), HOST.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createAuthenticator, type Caller, openPool, Refusal, requireId, requireRole, SELLERS, Store } from './reference-store';
import { MCA, PAGE_SIZE, QUERIES } from './scenarios';

type Variables = Record<string, unknown>;
type Handler = (store: Store, caller: Caller, variables: Variables, requestId: string) => Promise<unknown>;

const statusFields = (s: { status: string; canTransact: boolean }) => ({ status: s.status, canTransact: s.canTransact });

/** a, a0, c, c0: the page, and its count from the status counts when asked for. */
const customersPage =
  (status: string | null, withCount: boolean): Handler =>
  async (store, caller) => {
    // One statement after the other, as the API sends them.
    const page = await store.page(caller, MCA, PAGE_SIZE, status);
    const nodes = page.map((c) => ({ id: c.id, companyName: c.companyName, agreementStatus: statusFields(c.status) }));
    return { customers: withCount ? { totalCount: await store.count(caller, MCA, status), nodes } : { nodes } };
  };

/** b: one customer, its status and the current record's signatory and date. */
const customer: Handler = async (store, caller, variables) => {
  const [found] = await store.customers(caller, MCA, [requireId(variables.id, 'id')]);
  if (!found) return { customer: null };
  // The acceptance field is guarded: READ_ACCEPTANCES roles only.
  requireRole(caller, SELLERS, 'read acceptance records');
  const record = found.status.acceptanceId ? found.acceptance : null;
  return {
    customer: {
      id: found.id,
      agreementStatus: { ...statusFields(found.status), acceptance: record ? { dateAgreed: record.dateAgreed, acceptedBy: record.acceptedBy } : null },
    },
  };
};

/** d: confirm acceptance, with the audit event. */
const confirm: Handler = async (store, caller, variables, requestId) => ({
  confirmCustomerAcceptance: await store.confirm(caller, (variables.input ?? {}) as Record<string, unknown>, { audit: true, requestId }),
});

const HANDLERS = new Map<string, Handler>([
  [QUERIES.page, customersPage(null, true)],
  [QUERIES.pageOnly, customersPage(null, false)],
  [QUERIES.notAccepted, customersPage('NOT_ACCEPTED', true)],
  [QUERIES.notAcceptedOnly, customersPage('NOT_ACCEPTED', false)],
  [QUERIES.customer, customer],
  [QUERIES.confirm, confirm],
]);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, requestId = randomUUID()): void {
  res.statusCode = status;
  res.setHeader('x-request-id', requestId);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  // Apollo Server ends its JSON with a line feed; so does this.
  res.end(`${JSON.stringify(body)}\n`);
}

async function handle(store: Store, authenticate: ReturnType<typeof createAuthenticator>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found.' }] });
  const requestId = randomUUID();
  try {
    const caller = await authenticate(req.headers.authorization);
    let request: { query?: unknown; variables?: unknown };
    try {
      request = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { errors: [{ message: 'The body is not JSON.', extensions: { code: 'BAD_REQUEST' } }] }, requestId);
    }
    const handler = typeof request.query === 'string' ? HANDLERS.get(request.query) : undefined;
    if (!handler) return send(res, 400, { errors: [{ message: 'The baseline answers only the benchmark documents.' }] }, requestId);
    const data = await handler(store, caller, (request.variables ?? {}) as Variables, requestId);
    send(res, 200, { data }, requestId);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    send(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] }, requestId);
  }
}

function main(): void {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error('JWT_SECRET is required.');
  const pool = openPool();
  const store = new Store(pool);
  const authenticate = createAuthenticator(pool, new TextEncoder().encode(secret));
  const server = createServer((req, res) => {
    handle(store, authenticate, req, res).catch((error: unknown) => {
      process.stderr.write(`baseline: ${(error as Error).stack}\n`);
      if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  });
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  const stop = () => server.close(() => void store.chainer.settled().then(() => pool.end()).then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
