import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  GraphQLBoolean,
  GraphQLID,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type ValidationRule,
  GraphQLError,
} from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createTokenVerifier, signToken, type TokenClaims } from '../../src/auth/tokens';
import { type LiveUpdates, redisLiveUpdates, type StatusChangeMessage, statusChanges } from '../../src/notifications/live-updates';
import { attachSubscriptionServer, type SubscriptionServer } from '../../src/notifications/subscription-server';
import { UnauthenticatedError } from '../../src/shared/errors';
import { TEST_SECRET } from '../helpers/app';
import { percentile, statusChange, TEST_REDIS_URL, testChannelPrefix, until } from '../helpers/live';

const tokens = { secret: new TextEncoder().encode(TEST_SECRET), usingDevelopmentSecret: false };
const token = (partnerId: string) => signToken(tokens, { partnerId, userId: `user-of-${partnerId}`, roles: ['ADMIN_AGENT'], expiresIn: '1h' });

interface TestContext {
  caller: TokenClaims;
  bus: LiveUpdates;
}

/** A schema of the subscription's shape, fed by the bus: the caller's partner's changes, only the ids asked for. */
const StatusChange = new GraphQLObjectType<StatusChangeMessage>({
  name: 'AgreementStatusChange',
  fields: {
    customerId: { type: new GraphQLNonNull(GraphQLID) },
    previous: { type: new GraphQLNonNull(GraphQLString) },
    status: { type: new GraphQLNonNull(GraphQLString) },
    reason: { type: new GraphQLNonNull(GraphQLString) },
    at: { type: new GraphQLNonNull(GraphQLString) },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean, resolve: () => true } } }),
  mutation: new GraphQLObjectType({ name: 'Mutation', fields: { touch: { type: GraphQLBoolean, resolve: () => true } } }),
  subscription: new GraphQLObjectType<unknown, TestContext>({
    name: 'Subscription',
    fields: {
      agreementStatusChanged: {
        type: new GraphQLNonNull(StatusChange),
        args: { customerIds: { type: new GraphQLList(new GraphQLNonNull(GraphQLID)) } },
        subscribe: (_root, args: { customerIds?: string[] | null }, { caller, bus }) => statusChanges(bus, caller.partnerId, { customerIds: args.customerIds ?? undefined }),
        resolve: (message) => message,
      },
      broken: {
        type: GraphQLString,
        subscribe: () => {
          throw new Error('connection string postgres://secret@db');
        },
      },
    },
  }),
});

/** A validation rule of the server's own, to see that the server's rules run over WebSocket too. */
const noFieldNamedAt: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === 'at' && node.alias?.value === 'forbidden') {
      context.reportError(new GraphQLError('This alias is over a limit.', { nodes: node, extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'test' } }));
    }
  },
});

const CHANGES = 'subscription ($ids: [ID!]) { agreementStatusChanged(customerIds: $ids) { customerId previous status reason at } }';

/** One subscription's results as they come, and how it ended. */
interface Watch {
  results: Record<string, any>[];
  ended: Promise<{ error?: unknown }>;
  stop(): void;
}

function watch(client: Client, query: string, variables: Record<string, unknown> = {}): Watch {
  const results: Record<string, any>[] = [];
  let stop = () => {};
  const ended = new Promise<{ error?: unknown }>((resolve) => {
    stop = client.subscribe({ query, variables }, { next: (result) => void results.push(result), error: (error) => resolve({ error }), complete: () => resolve({}) });
  });
  return { results, ended, stop: () => stop() };
}

describe('GraphQL subscriptions over WebSocket (graphql-ws)', () => {
  let http: Server;
  let url: string;
  let server: SubscriptionServer;
  let prefix: string;
  let serverBus: LiveUpdates;
  /** Another server process's bus: publishes through Redis only. */
  let otherProcess: LiveUpdates;
  /** Streams the server is listening with right now (the bus has acknowledged their subscription). */
  let listening = 0;
  let revoked: Set<string>;
  const clients: Client[] = [];

  const connect = (authorization: string | undefined, extra: Partial<Parameters<typeof createClient>[0]> = {}) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: authorization === undefined ? {} : { authorization },
      retryAttempts: 0,
      ...extra,
    });
    clients.push(client);
    return client;
  };

  async function start(options: { maxSubscriptionsPerConnection?: number; reauthenticateMs?: number; connectionInitTimeoutMs?: number; maxPayloadBytes?: number } = {}) {
    prefix = testChannelPrefix();
    const bus = redisLiveUpdates(TEST_REDIS_URL, { channelPrefix: prefix });
    serverBus = {
      ...bus,
      subscribe: async (partnerId, listener) => {
        const stop = await bus.subscribe(partnerId, listener);
        listening++;
        return () => {
          listening--;
          stop();
        };
      },
    };
    otherProcess = redisLiveUpdates(TEST_REDIS_URL, { channelPrefix: prefix });
    revoked = new Set();
    const verify = createTokenVerifier(tokens);
    http = createServer((_request, response) => response.writeHead(404).end());
    server = attachSubscriptionServer<TokenClaims, TestContext>(http, {
      schema,
      authenticate: async (authorization) => {
        if (authorization && revoked.has(authorization)) throw new UnauthenticatedError('The token was refused: it has expired.');
        return verify(authorization);
      },
      context: (caller) => ({ caller, bus: serverBus }),
      validationRules: [noFieldNamedAt],
      ...options,
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  }

  beforeEach(() => {
    listening = 0;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
    await server.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await Promise.all([serverBus.close(), otherProcess.close()]);
  });

  describe('signing in', () => {
    beforeEach(() => start());

    it.each([
      ['no token', undefined],
      ['no Bearer', 'Basic dXNlcjpwYXNz'],
      ['a token signed with another secret', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiJwYXJ0bmVyLWEifQ.c2lnbmF0dXJl'],
    ])('refuses a connection with %s: closed with 4401 before any subscription runs', async (_case, authorization) => {
      const closed = new Promise<{ code: number; reason: string }>((resolve) => connect(authorization, { lazy: false, onNonLazyError: () => {}, on: { closed: (event) => resolve(event as { code: number; reason: string }) } }));
      const { code, reason } = await closed;
      expect(code).toBe(4401);
      expect(reason).toMatch(/^(Sign in|The Authorization header|The token was refused)/);
      expect(listening).toBe(0);
    });

    it('refuses a subscription of a connection refused: the client gets the close event', async () => {
      const changes = watch(connect(undefined), CHANGES);
      const { error } = await changes.ended;
      expect(error).toMatchObject({ code: 4401 });
    });

    it('closes a connection whose token stops being valid (expired, partner gone) at the next check', async () => {
      await server.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await Promise.all([serverBus.close(), otherProcess.close()]);
      await start({ reauthenticateMs: 100 });
      const authorization = `Bearer ${await token('partner-a')}`;
      const changes = watch(connect(authorization), CHANGES);
      await until(() => listening === 1);
      revoked.add(authorization);
      const { error } = await changes.ended;
      expect(error).toMatchObject({ code: 4401, reason: 'The token was refused: it has expired.' });
      await until(() => listening === 0);
    });
  });

  describe('signed in', () => {
    beforeEach(() => start({ maxSubscriptionsPerConnection: 2 }));

    it('sends each partner only its own customers\' changes, published by another process through Redis', async () => {
      const a = watch(connect(`Bearer ${await token('partner-a')}`), CHANGES);
      const b = watch(connect(`Bearer ${await token('partner-b')}`), CHANGES);
      await until(() => listening === 2);

      const forA = statusChange('partner-a', 'c-1');
      await otherProcess.publish(forA);
      await otherProcess.publish(statusChange('partner-b', 'c-2', { status: 'OUTDATED', reason: 'NEW_VERSION' }));
      await otherProcess.publish(statusChange('partner-c', 'c-3'));
      await until(() => a.results.length === 1 && b.results.length === 1);

      const { partnerId: _partner, agreementType: _type, ...fields } = forA;
      expect(a.results).toEqual([{ data: { agreementStatusChanged: fields } }]);
      expect(b.results.map((r) => r.data.agreementStatusChanged)).toEqual([expect.objectContaining({ customerId: 'c-2', status: 'OUTDATED', reason: 'NEW_VERSION' })]);
      // Nothing else arrives: partner-c's change went to no one.
      await otherProcess.publish(statusChange('partner-a', 'c-4'));
      await until(() => a.results.length === 2);
      expect(a.results.map((r) => r.data.agreementStatusChanged.customerId)).toEqual(['c-1', 'c-4']);
      expect(b.results).toHaveLength(1);
    });

    it('delivers 1,000 changes in order, from publish in another process to the client (latency measured)', async () => {
      const latencies: number[] = [];
      let arrived = () => {};
      const client = connect(`Bearer ${await token('partner-a')}`);
      const received: string[] = [];
      client.subscribe({ query: CHANGES }, { next: (result) => (received.push((result.data as any).agreementStatusChanged.customerId), arrived()), error: () => {}, complete: () => {} });
      await until(() => listening === 1);
      for (let i = 0; i < 1000; i++) {
        const arrival = new Promise<void>((resolve) => (arrived = resolve));
        const start = performance.now();
        await otherProcess.publish(statusChange('partner-a', `c-${i}`));
        await arrival;
        latencies.push(performance.now() - start);
      }
      expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => `c-${i}`));
      const ms = (value: number) => value.toFixed(2);
      console.log(`subscription, publish (other process) to graphql-ws client, 1,000 changes one at a time: p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(Math.max(...latencies))} ms`);
    }, 180_000);

    it('sends only the customers asked for', async () => {
      const changes = watch(connect(`Bearer ${await token('partner-a')}`), CHANGES, { ids: ['c-2', 'c-3'] });
      await until(() => listening === 1);
      for (const id of ['c-1', 'c-2', 'c-4', 'c-3']) await otherProcess.publish(statusChange('partner-a', id));
      await until(() => changes.results.length === 2);
      expect(changes.results.map((r) => r.data.agreementStatusChanged.customerId)).toEqual(['c-2', 'c-3']);
    });

    it('stops listening when the client completes the subscription or goes away', async () => {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        const client = connect(`Bearer ${await token('partner-a')}`);
        const first = watch(client, CHANGES);
        const second = watch(client, CHANGES);
        await until(() => listening === 2);
        first.stop();
        await until(() => listening === 1);
        await client.dispose();
        await until(() => listening === 0);
        await second.ended;
        await until(() => server.connections() === 0);
        const [, subscribers] = (await redis.pubsub('NUMSUB', `${prefix}partner-a`)) as [string, number];
        expect(subscribers).toBe(0);
      } finally {
        await redis.quit();
      }
    });

    it('refuses a subscription over the cap of a connection, and takes one again once another ended', async () => {
      const client = connect(`Bearer ${await token('partner-a')}`);
      const running = [watch(client, CHANGES), watch(client, CHANGES)];
      await until(() => listening === 2);
      const third = watch(client, CHANGES);
      const { error } = await third.ended;
      expect(error).toEqual([expect.objectContaining({ message: 'A connection may run at most 2 subscriptions at once.', extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'subscriptions', max: 2 } })]);
      running[0].stop();
      await until(() => listening === 1);
      watch(client, CHANGES);
      await until(() => listening === 2);
    });

    it('serves subscriptions only: a query or mutation is refused, and so is an invalid document', async () => {
      const client = connect(`Bearer ${await token('partner-a')}`);
      const refusal = async (query: string) => ((await watch(client, query).ended).error as Record<string, any>[])[0];
      expect(await refusal('mutation { touch }')).toMatchObject({ message: 'Only subscriptions are served over WebSocket; send a mutation to POST /graphql.', extensions: { code: 'BAD_REQUEST' } });
      expect(await refusal('{ ok }')).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
      expect(await refusal('subscription { nothingHere }')).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(await refusal('subscription {')).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
      expect(await refusal('subscription { agreementStatusChanged { forbidden: at } }')).toMatchObject({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'test' } });
      expect(listening).toBe(0);
    });

    it('hides the message of an unexpected error', async () => {
      const broken = watch(connect(`Bearer ${await token('partner-a')}`), 'subscription { broken }');
      await broken.ended;
      expect(broken.results).toEqual([{ errors: [{ message: 'Internal server error.', path: ['broken'], locations: [{ line: 1, column: 16 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }]);
    });

    it('closes every connection when it stops (1001)', async () => {
      const changes = watch(connect(`Bearer ${await token('partner-a')}`), CHANGES);
      await until(() => listening === 1);
      await server.close();
      expect(await changes.ended).toMatchObject({ error: { code: 1001 } });
      await until(() => listening === 0);
    });
  });

  describe('limits', () => {
    beforeEach(() => start({ connectionInitTimeoutMs: 300, maxPayloadBytes: 1024 }));

    /** A raw graphql-transport-ws socket, to send what a well-behaved client would not. */
    const rawSocket = async () => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
      return { socket, closed };
    };

    it('closes a connection that does not send connection_init in time (4408)', async () => {
      const { closed } = await rawSocket();
      expect(await closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    });

    it('closes a connection that sends a message over the size limit (1009)', async () => {
      // graphql-ws reports the socket's error on the console.
      const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const { socket, closed } = await rawSocket();
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${'x'.repeat(2000)}` } }));
      expect((await closed).code).toBe(1009);
      consoleError.mockRestore();
    });

    it('takes WebSocket upgrades on /graphql only', async () => {
      const socket = new WebSocket(url.replace('/graphql', '/other'), 'graphql-transport-ws');
      const status = await new Promise<number>((resolve) => {
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', () => resolve(-1));
      });
      expect(status).toBe(404);
    });

    it('refuses a client that does not speak graphql-transport-ws (4406)', async () => {
      const socket = new WebSocket(url);
      const code = await new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)).once('error', () => undefined));
      expect(code).toBe(4406);
    });
  });
});
