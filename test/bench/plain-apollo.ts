/**
 * The benchmark's peer: the same documents answered by a plain Apollo Server 5
 * build, as a team would write one without this API's framework choices: a
 * schema in SDL with resolvers (no type-graphql), graphql-js execution (no
 * graphql-jit), per-request DataLoaders, over the hand-written store the
 * baseline uses (reference-store.ts: the same SQL, rules and writes), with the
 * token verified by jose. No operation limits, rate limits, audit trail,
 * request log or metrics.
 *
 * Environment: BENCH_DATABASE_URL, JWT_SECRET, PORT (0: any), HOST.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import DataLoader from 'dataloader';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import {
  type AcceptanceJson,
  type Caller,
  createAuthenticator,
  type CustomerRow,
  openPool,
  Refusal,
  requireDate,
  requireId,
  requireRole,
  SELLERS,
  type StatusJson,
  Store,
} from './reference-store';
import { MCA } from './scenarios';

const typeDefs = /* GraphQL */ `
  scalar Date
  scalar DateTime

  enum AgreementType { MICROSOFT_CUSTOMER_AGREEMENT MICROSOFT_CLOUD_AGREEMENT }
  enum AgreementStatusCode { ACCEPTED OUTDATED NOT_ACCEPTED NOT_APPLICABLE }
  enum AcceptanceMethod { ATTESTATION CONFIRMATION }
  enum AcceptanceChannel { EXISTING_CUSTOMER IMPORT NEW_CUSTOMER NEW_ORDER }
  enum Role { GLOBAL_ADMIN ADMIN_AGENT SALES_AGENT HELPDESK_AGENT }

  type Contact { firstName: String! lastName: String! email: String! phoneNumber: String }
  type Recorder { role: Role! userId: ID! }
  type Acceptance {
    id: ID!
    customerId: ID!
    dateAgreed: Date!
    method: AcceptanceMethod!
    channel: AcceptanceChannel!
    acceptedBy: Contact!
    recordedBy: Recorder!
    recordedAt: DateTime!
  }
  type AgreementStatus {
    type: AgreementType!
    status: AgreementStatusCode!
    canTransact: Boolean!
    outdatedFrom: Date
    acceptance: Acceptance
  }
  type Customer {
    id: ID!
    companyName: String!
    agreementStatus(type: AgreementType! = MICROSOFT_CUSTOMER_AGREEMENT): AgreementStatus!
  }
  type CustomerConnection { totalCount: Int! nodes: [Customer!]! }
  input CustomerFilter { agreementStatus: AgreementStatusCode }
  input ContactInput { firstName: String! lastName: String! email: String! phoneNumber: String }
  input ConfirmAcceptanceInput { customerId: ID! templateId: ID dateAgreed: Date! acceptedBy: ContactInput }
  type AcceptancePayload { acceptance: Acceptance! customer: Customer! }

  type Query {
    customer(id: ID!): Customer
    customers(first: Int = 50, after: String, filter: CustomerFilter): CustomerConnection!
  }
  type Mutation {
    confirmCustomerAcceptance(input: ConfirmAcceptanceInput!): AcceptancePayload!
  }
`;

const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  serialize: (value) => String(value),
  parseValue: (value) => requireDate(value, 'Date'),
  parseLiteral: (ast) => requireDate(ast.kind === Kind.STRING ? ast.value : null, 'Date'),
});

const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: (value) => new Date(String(value)),
  parseLiteral: (ast) => new Date(ast.kind === Kind.STRING ? ast.value : ''),
});

interface Context {
  caller: Caller;
  requestId: string;
  store: Store;
  loaders: ReturnType<typeof createLoaders>;
}

type Status = StatusJson & { type: string };

/** The request's loaders: every list of customers reads its statuses and records with one statement each. */
function createLoaders(store: Store, caller: Caller) {
  const statusLoaders = new Map<string, DataLoader<string, Status>>();
  const loaders = {
    status(type: string): DataLoader<string, Status> {
      let loader = statusLoaders.get(type);
      if (!loader) {
        loader = new DataLoader(async (ids) => (await store.statuses(caller, type, ids)).map((s) => ({ ...s, type })));
        statusLoaders.set(type, loader);
      }
      return loader;
    },
    acceptance: new DataLoader<string, AcceptanceJson | null>((ids) => store.acceptances(caller, ids)),
    /** A customer with its status and the record it rests on, which prime their loaders. */
    customer: new DataLoader<string, CustomerRow | null>(async (ids) => {
      const found = new Map((await store.customers(caller, MCA, ids)).map((c) => [c.id, c]));
      for (const c of found.values()) {
        loaders.status(MCA).prime(c.id, { ...c.status, type: MCA });
        if (c.acceptance && SELLERS.some((r) => caller.roles.includes(r))) loaders.acceptance.prime(c.acceptance.id, c.acceptance);
      }
      return ids.map((id) => found.get(id) ?? null);
    }),
  };
  return loaders;
}

/** A refusal as a GraphQL error with its code. */
async function refused<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Refusal) throw new GraphQLError(error.message, { extensions: { code: error.code } });
    throw error;
  }
}

const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    customer: (_: unknown, args: { id: string }, { loaders }: Context) => refused(() => loaders.customer.load(requireId(args.id, 'id'))),
    customers: (_: unknown, args: { first: number; filter?: { agreementStatus?: string | null } | null }, { caller, store, loaders }: Context) =>
      refused(async () => {
        const status = args.filter?.agreementStatus ?? null;
        const nodes = await store.page(caller, MCA, args.first, status);
        for (const c of nodes) loaders.status(MCA).prime(c.id, { ...c.status, type: MCA });
        return { status, nodes };
      }),
  },
  CustomerConnection: {
    // Counted only when asked for.
    totalCount: (connection: { status: string | null }, _: unknown, { caller, store }: Context) => refused(() => store.count(caller, MCA, connection.status)),
  },
  Customer: {
    agreementStatus: (customer: { id: string }, args: { type: string }, { loaders }: Context) => loaders.status(args.type).load(customer.id),
  },
  AgreementStatus: {
    acceptance: (status: Status, _: unknown, { caller, loaders }: Context) =>
      refused(() => {
        requireRole(caller, SELLERS, 'read acceptance records');
        return status.acceptanceId ? loaders.acceptance.load(status.acceptanceId) : null;
      }),
  },
  Mutation: {
    confirmCustomerAcceptance: (_: unknown, args: { input: Record<string, unknown> }, { caller, store, requestId }: Context) =>
      refused(() => store.confirm(caller, args.input, { audit: false, requestId })),
  },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(`${JSON.stringify(body)}\n`);
}

async function main(): Promise<void> {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error('JWT_SECRET is required.');
  const pool = openPool();
  const store = new Store(pool);
  const authenticate = createAuthenticator(pool, new TextEncoder().encode(secret));
  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers,
    introspection: false,
    stopOnTerminationSignals: false,
    persistedQueries: false,
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginUsageReportingDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  // Apollo's own integration over node:http (what startStandaloneServer does, without CORS), plus /healthz.
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname !== '/graphql') return sendJson(res, 404, { errors: [{ message: 'Not found.' }] });
    let caller: Caller;
    try {
      caller = await authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
    }
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return sendJson(res, 400, { errors: [{ message: 'The body is not JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => Promise.resolve({ caller, requestId: randomUUID(), store, loaders: createLoaders(store, caller) }),
    });
    for (const [name, value] of result.headers) res.setHeader(name, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') return void res.end(result.body.string);
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`peer: ${(error as Error).stack}\n`);
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error.' }] });
    });
  });
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
  const stop = () => server.close(() => void apollo.stop().then(() => pool.end()).then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
