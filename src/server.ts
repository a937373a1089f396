import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { type Authenticator, createAuthenticator } from './auth/authenticate';
import type { Caller } from './auth/caller';
import { createTokenVerifier } from './auth/tokens';
import type { Config } from './config';
import type { Context } from './graphql/context';
import { graphqlEndpoint } from './graphql/endpoint';
import { compiledExecution } from './graphql/executor';
import { formatError } from './graphql/format-error';
import { knownOperationTypes } from './graphql/known-operation-types';
import { oneMutationPerOperation } from './graphql/one-mutation-per-operation';
import { costLimit, limitRules } from './graphql/operation-limits';
import { buildSchema } from './graphql/schema';
import { subscriptionExecution } from './graphql/subscriptions';
import { crossOrigin } from './http/cors';
import { health } from './http/health';
import { errorBody, sendJson } from './http/io';
import { Metrics } from './http/metrics';
import { RateLimiter } from './http/rate-limit';
import { requestLog } from './http/request-log';
import { router } from './http/router';
import { restEndpoint } from './integrations/rest';
import { publishCommittedStatusChanges } from './notifications/live-status';
import { liveUpdatesFrom } from './notifications/live-updates';
import { attachSubscriptionServer } from './notifications/subscription-server';
import { createServices, type Services } from './services';
import { createSigningHandler } from './signing/signing-handler';
import { type Clock, systemClock } from './shared/clock';
import { ErrorCode, UnauthenticatedError } from './shared/errors';
import type { Logger } from './shared/logger';
import { currentRequestScope } from './shared/request-scope';
import type { Database } from './shared/unit-of-work';

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

/** How often a server looks for status fanouts that fell due (a version's or rule's day began, another process left one undone). */
const FANOUT_POLL_MS = 5000;

/** The HTTP application: GraphQL at /graphql, REST under /v1, /healthz, /readyz, /metrics. What `main` and the tests start. */
export async function createServer(deps: ServerDeps): Promise<AppServer> {
  const { config, db, logger } = deps;
  const services = createServices(db, deps.clock ?? systemClock, config, logger);
  const metrics = new Metrics(db);
  const schema = await buildSchema();
  const apollo = await startApollo(config, logger, metrics, schema);
  const callerOf = createAuthenticator(services.db, services.partners, createTokenVerifier(config.tokens), config.partnerCacheMs);
  const signedIn = signIn(config, callerOf);

  let draining = false;
  const { live, ready } = health(db, () => draining);
  const route = router({
    graphql: graphqlEndpoint({ apollo, schema, services, authenticate: signedIn.request, landingPage: !config.production, maxTokens: config.limits.tokens }),
    rest: restEndpoint({ services, authenticate: signedIn.request, logger }),
    live,
    ready,
    metrics: async (res) => {
      res.setHeader('content-type', metrics.registry.contentType);
      res.end(await metrics.registry.metrics());
    },
    crossOrigin: crossOrigin(config.corsOrigins),
    signing: createSigningHandler({ port: services.acceptanceRequests, config: config.signing, clock: deps.clock, logger }),
  });
  const handle = requestLog(logger, metrics, (req, res, scope) =>
    route(req, res, scope).catch((error: unknown) => {
      logger.error({ err: error, requestId: scope.requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Internal server error.', { requestId: scope.requestId }));
      else res.destroy();
    }),
  );

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const http = createHttpServer((req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    if (draining) res.setHeader('connection', 'close');
    void handle(req, res);
  });

  // Status changes, once committed here, to the subscribers of every process (with REDIS_URL) or of this one.
  const liveUpdates = liveUpdatesFrom(config.notifications.redisUrl, { logger });
  publishCommittedStatusChanges(services.outbox, liveUpdates, logger);
  const subscriptions = attachSubscriptionServer(http, {
    schema,
    authenticate: signedIn.token,
    ...subscriptionExecution(services, liveUpdates),
    formatError: formatError(logger),
    validationRules: limitRules(config.limits),
    maxTokens: config.limits.tokens,
    production: config.production,
    logger,
  });

  const stopPruning = services.idempotency.pruneRegularly(logger);
  const stopSweeping = services.audit.sweepRegularly();
  services.fanouts.runRegularly(FANOUT_POLL_MS);
  services.webhooks.start();

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
      stopPruning();
      stopSweeping();
      if (delayMs > 0) await sleep(delayMs);
      await subscriptions.close();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const idle = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      const timedOut = Symbol('timed out');
      if ((await Promise.race([idle.then(() => null), sleep(timeoutMs, timedOut)])) === timedOut) {
        logger.warn({ inFlight, timeoutMs }, 'shutdown timeout: closing requests still in flight');
      }
      http.closeAllConnections();
      await closed;
      await services.fanouts.stop();
      await services.signingMailer?.settled();
      services.signingMailer?.stop();
      await services.webhooks.stop();
      await liveUpdates.close();
      await services.audit.settled();
      await services.audit.chainAll().catch((error: unknown) => logger.error({ err: error }, 'chaining audit events failed'));
      await apollo.stop();
    },
    close: () => server.shutdown({ delayMs: 0, timeoutMs: 5000 }),
  };
  return server;
}

/** Apollo Server with the operation limits, the compiled executor and what production turns off. */
async function startApollo(config: Config, logger: Logger, metrics: Metrics, schema: Awaited<ReturnType<typeof buildSchema>>): Promise<ApolloServer<Context>> {
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
  return apollo;
}

/**
 * Signing in. `request`: the signed-in caller of a request (from its
 * Authorization header alone), within its partner's rate limit. `token`: the
 * caller of an Authorization value sent from `address` (a WebSocket's
 * connection_init). Either way a refused token counts against its address's
 * limit, one budget for HTTP and WebSocket alike: 401 (4401), and past the
 * limit 429 (4429).
 */
function signIn(config: Config, authenticate: Authenticator) {
  const partnerLimit = new RateLimiter(config.rateLimit, 'from your partner');
  const addressLimit = new RateLimiter(config.unauthenticatedRateLimit, 'without a valid token from your address', MAX_LIMITED_ADDRESSES);
  const token = async (authorization: string | undefined, address: string): Promise<Caller> => {
    try {
      return await authenticate(authorization);
    } catch (error) {
      if (error instanceof UnauthenticatedError) addressLimit.take(address);
      throw error;
    }
  };
  const request = async (req: IncomingMessage): Promise<Caller> => {
    const caller = await token(req.headers.authorization, req.socket.remoteAddress ?? '');
    const scope = currentRequestScope();
    if (scope) scope.partnerId = caller.partner.id;
    partnerLimit.take(caller.partner.id);
    return caller;
  };
  return { request, token };
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
