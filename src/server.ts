import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import cors from 'cors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Config } from './config';
import { ErrorCode, UnauthenticatedError } from './shared/errors';
import { formatError } from './shared/format-error';
import { createAuthenticator } from './auth/authenticate';
import type { Caller } from './auth/caller';
import { createTokenVerifier } from './auth/tokens';
import { buildSchema } from './schema';
import { createServices, type Services } from './services';
import { type Clock, systemClock } from './shared/clock';
import type { Context } from './shared/context';
import type { Database } from './shared/db';
import type { Logger } from './shared/logger';
import { compiledExecution } from './http/compiled-executor';
import { graphqlEndpoint } from './http/graphql-endpoint';
import { knownOperationTypes } from './http/known-operation-types';
import { oneMutationPerOperation } from './http/one-mutation-per-operation';
import { costLimit, limitRules } from './http/operation-limits';
import { Metrics } from './http/metrics';
import { RateLimiter } from './http/rate-limit';
import { restEndpoint } from './integrations/rest';
import { errorBody, header, sendJson, traceHeader } from './http/io';
import { currentRequestScope, type RequestScope, runInRequestScope } from './shared/request-scope';

/** Client addresses whose unauthenticated requests are counted at once; past this the least recent is forgotten. */
const MAX_LIMITED_ADDRESSES = 10_000;

export interface ServerDeps {
  config: Config;
  db: Database;
  logger: Logger;
  clock?: Clock;
}

export interface AppServer {
  http: Server;
  services: Services;
  /** Listens on `port` (0: any free port) and resolves with the address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Stops gracefully: /readyz answers 503 at once; after `delayMs` (time for a
   * load balancer to notice) no new connection is accepted; requests in flight
   * finish, for up to `timeoutMs`; then every connection is closed.
   */
  shutdown(options: { delayMs: number; timeoutMs: number }): Promise<void>;
  close(): Promise<void>;
}

/** The HTTP application: GraphQL at /graphql, REST under /v1, /healthz, /readyz. What `main` and the tests start. */
export async function createServer(deps: ServerDeps): Promise<AppServer> {
  const { config, db, logger } = deps;
  const services = createServices(db, deps.clock ?? systemClock, config, logger);
  const authenticate = createAuthenticator(db, createTokenVerifier(config.tokens), config.partnerCacheMs);

  const metrics = new Metrics(db);
  const schema = await buildSchema();
  const apollo = new ApolloServer<Context>({
    gateway: compiledExecution(schema),
    introspection: config.introspection,
    // Field suggestions reveal the schema as introspection does: both are off in production unless enabled.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: Apollo must not re-raise SIGTERM after stopping.
    stopOnTerminationSignals: false,
    formatError: formatError(logger),
    logger,
    validationRules: [knownOperationTypes, oneMutationPerOperation, ...limitRules(config.limits)],
    parseOptions: { maxTokens: config.limits.tokens },
    allowBatchedHttpRequests: config.limits.batching,
    // No automatic persisted queries: a per-process cache that WORKERS=N processes would not share, which any
    // caller could fill, and whose refusals of a malformed hash or version are not ours to word.
    persistedQueries: false,
    plugins: [
      metrics.plugin(),
      costLimit(config.limits),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      config.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      errorStatus,
    ],
  });
  await apollo.start();

  const partnerLimit = new RateLimiter(config.rateLimit, 'from your partner');
  const addressLimit = new RateLimiter(config.unauthenticatedRateLimit, 'without a valid token from your address', MAX_LIMITED_ADDRESSES);
  /**
   * The signed-in caller of a request (from its Authorization header alone), within its partner's rate
   * limit. A request without a valid token is refused within its address's limit: 401, else 429.
   */
  const authenticateRequest = async (req: IncomingMessage) => {
    let caller: Caller;
    try {
      caller = await authenticate(req.headers.authorization);
    } catch (error) {
      if (error instanceof UnauthenticatedError) addressLimit.take(req.socket.remoteAddress ?? '');
      throw error;
    }
    const scope = currentRequestScope();
    if (scope) scope.partnerId = caller.partner.id;
    partnerLimit.take(caller.partner.id);
    return caller;
  };
  const graphql = graphqlEndpoint({ apollo, schema, services, authenticate: authenticateRequest, landingPage: !config.production, maxTokens: config.limits.tokens });
  const rest = restEndpoint({ services, authenticate: authenticateRequest, logger });

  const crossOrigin = corsMiddleware(config.corsOrigins);

  async function route(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const api = url.pathname === '/graphql' || /^\/v1(\/|$)/i.test(url.pathname);
    if (api && crossOrigin && !(await crossOrigin(req, res))) return; // a preflight, answered
    switch (url.pathname) {
      case '/graphql':
        return graphql(req, res, url, scope);
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/metrics':
        res.setHeader('content-type', metrics.registry.contentType);
        return void res.end(await metrics.registry.metrics());
      case '/readyz':
        if (draining) return sendJson(res, 503, { status: 'shutting down' });
        try {
          await db.query('SELECT 1');
          return sendJson(res, 200, { status: 'ready' });
        } catch {
          return sendJson(res, 503, { status: 'database unavailable' });
        }
      default:
        if (/^\/v1(\/|$)/i.test(url.pathname)) return rest(req, res, url, scope);
        return sendJson(res, 404, errorBody('NOT_FOUND', `No route ${url.pathname}.`));
    }
  }

  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const http = createHttpServer((req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    if (draining) res.setHeader('connection', 'close');
    const given = header(req, 'x-request-id') === undefined ? traceHeader(req, 'ms-requestid') : traceHeader(req, 'x-request-id');
    const requestId = given ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const correlationId = traceHeader(req, 'ms-correlationid');
    if (correlationId) res.setHeader('ms-correlationid', correlationId);
    const scope: RequestScope = { requestId, correlationId, statements: 0 };
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req.url ?? '/');
      metrics.request(route, req.method ?? 'GET', res.statusCode, seconds);
      logger.info(
        { requestId, correlationId, partnerId: scope.partnerId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000), statements: scope.statements },
        'request',
      );
    });
    runInRequestScope(scope, () =>
      route(req, res, scope).catch((error: unknown) => {
        logger.error({ err: error, requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error.', { requestId }));
        else res.destroy();
      }),
    );
  });

  // Expired idempotency keys are removed in the background; a lookup treats them as absent anyway.
  const pruning = setInterval(() => {
    services.idempotency.prune().catch((error: unknown) => logger.warn({ err: error }, 'pruning idempotency keys failed'));
  }, 10 * 60_000);
  pruning.unref();
  // Audit events are chained right after each attempt; this sweep catches any left waiting (by a process that stopped, say).
  const chainAll = () => services.audit.chainAll().catch((error: unknown) => logger.error({ err: error }, 'chaining audit events failed'));
  void chainAll();
  const sweeping = setInterval(chainAll, 30_000);
  sweeping.unref();

  const server: AppServer = {
    http,
    services,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => resolve(http.address() as AddressInfo));
      }),
    async shutdown({ delayMs, timeoutMs }) {
      draining = true;
      clearInterval(pruning);
      clearInterval(sweeping);
      if (delayMs > 0) await sleep(delayMs);
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const idle = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      const timedOut = Symbol('timed out');
      if ((await Promise.race([idle.then(() => null), sleep(timeoutMs, timedOut)])) === timedOut) {
        logger.warn({ inFlight, timeoutMs }, 'shutdown timeout: closing requests still in flight');
      }
      http.closeAllConnections();
      await closed;
      await services.audit.settled();
      await chainAll();
      await apollo.stop();
    },
    close: () => server.shutdown({ delayMs: 0, timeoutMs: 5000 }),
  };
  return server;
}

/** Request headers a browser page may send (preflights ask for them): the API's own, and Apollo's CSRF preflight headers. */
const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'ms-requestid',
  'ms-correlationid',
  'ms-cv',
  'x-request-id',
  'apollo-require-preflight',
  'x-apollo-operation-name',
];
/** Response headers a browser page may read. */
const CORS_EXPOSED_HEADERS = ['x-request-id', 'ms-requestid', 'ms-correlationid', 'idempotent-replayed', 'retry-after'];
/** Seconds a browser may keep a preflight's answer (Chromium keeps at most 7200). */
const CORS_MAX_AGE = 600;

/**
 * CORS for the browser pages of `origins` (none: no CORS at all): a preflight
 * from one of them is answered 204 with what it may send, whatever token it
 * lacks; their requests get the allow-origin and expose headers. Any other
 * origin gets no CORS header, so its pages cannot read an answer. Resolves
 * true when the request goes on, false when it was a preflight, answered.
 */
function corsMiddleware(origins: readonly string[]) {
  if (origins.length === 0) return null;
  const middleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && origins.includes(origin) ? origin : false),
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE,
  });
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<boolean>((resolve, reject) => {
      res.once('finish', () => resolve(false));
      middleware(req, res, (error) => (error ? reject(error) : resolve(true)));
    });
}

/** The route of a request path for metrics and logs: ids are replaced, unknown paths pooled. */
function routeOf(url: string): string {
  const path = url.split('?')[0];
  if (['/graphql', '/healthz', '/readyz', '/metrics'].includes(path)) return path;
  if (path.startsWith('/v1/')) return path.replace(/^\/v1\/customers\/[^/]+/, '/v1/customers/:id');
  return 'other';
}

/**
 * The HTTP status of a response with errors: 503 (with Retry-After) when the
 * database did not answer, 500 for anything unexpected (README, "Error codes").
 */
const errorStatus: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        if (errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', '5');
        } else if (errors?.some((e) => e.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR)) {
          response.http.status = 500;
        }
      },
    };
  },
};
