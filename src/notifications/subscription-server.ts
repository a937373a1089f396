import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
} from 'graphql';
import type * as GraphqlWsOverWs from 'graphql-ws/dist/use/ws.cjs';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../shared/logger';

// graphql-ws publishes its ws integration only as the package export 'graphql-ws/use/ws', which this project's
// module resolution ("node") cannot find types for: they are taken from the file that export points to.
const { useServer } = require('graphql-ws/use/ws') as typeof GraphqlWsOverWs;

export interface SubscriptionServerOptions<Caller, Context> {
  schema: GraphQLSchema;
  /**
   * The caller of `Authorization: Bearer ...` as connection_init's payload
   * carries it, sent from the client's `address`; throws UNAUTHENTICATED when
   * refused, RATE_LIMITED when the address has been refused too often.
   */
  authenticate(authorization: string | undefined, address: string): Promise<Caller>;
  /** The GraphQL context of the caller's operations. */
  context(caller: Caller): Context | Promise<Context>;
  /** Shapes every error sent (Apollo's formatError signature); by default an error without a code is hidden. */
  formatError?: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Extra validation rules (operation limits). */
  validationRules?: readonly ValidationRule[];
  /** Tokens a document may hold. */
  maxTokens?: number;
  logger?: Logger;
  /** graphql-ws hides the message of an internal failure in close reasons unless this is false (default true). */
  production?: boolean;
  path?: string;
  /** A bigger message closes the connection (1009). */
  maxPayloadBytes?: number;
  /** A connection that has not sent connection_init by then is closed (4408). */
  connectionInitTimeoutMs?: number;
  /** Subscriptions one connection may run at once; one more is refused with QUERY_LIMIT_EXCEEDED. */
  maxSubscriptionsPerConnection?: number;
  /** How often the token of an open connection is checked again: once it has expired the connection is closed (4401). */
  reauthenticateMs?: number;
  /**
   * Runs the operation for one event of a subscription (graphql-js's execute by default): where the
   * server gives each message a unit of work of its own, so that what it reads is read when it is sent.
   */
  executeEvent?: (args: ExecutionArgs) => Promise<ExecutionResult>;
}

export interface SubscriptionServer {
  /** Open WebSocket connections. */
  connections(): number;
  /** Closes every connection (1001, going away) and stops taking new ones. */
  close(): Promise<void>;
}

export const SUBSCRIPTION_DEFAULTS = {
  path: '/graphql',
  maxPayloadBytes: 64 * 1024,
  connectionInitTimeoutMs: 10_000,
  maxSubscriptionsPerConnection: 20,
  reauthenticateMs: 60_000,
};

/** Close codes of the GraphQL over WebSocket protocol (and RFC 6455) for a refused connection. */
const CLOSE_CODES: Record<string, number> = { UNAUTHENTICATED: 4401, FORBIDDEN: 4403, RATE_LIMITED: 4429, SERVICE_UNAVAILABLE: 1013 };

/** A token check at one of these ends the connection: the token was refused (and, past the address's limit, so counted). */
const SIGNED_OUT = new Set([4401, 4429]);

interface Connection<Caller> {
  caller: Caller;
  authorization: string | undefined;
  recheck?: NodeJS.Timeout;
}

/**
 * GraphQL subscriptions over WebSocket (the graphql-transport-ws protocol of
 * graphql-ws) on `path` of an existing HTTP server. The token comes in
 * connection_init's payload as `{ authorization: "Bearer ..." }`: a refused
 * one closes the connection with 4401. Only subscriptions are served here;
 * queries and mutations go to POST /graphql, where every other limit applies.
 */
export function attachSubscriptionServer<Caller, Context>(http: Server, options: SubscriptionServerOptions<Caller, Context>): SubscriptionServer {
  const settings = {
    path: options.path ?? SUBSCRIPTION_DEFAULTS.path,
    maxPayloadBytes: options.maxPayloadBytes ?? SUBSCRIPTION_DEFAULTS.maxPayloadBytes,
    connectionInitTimeoutMs: options.connectionInitTimeoutMs ?? SUBSCRIPTION_DEFAULTS.connectionInitTimeoutMs,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection ?? SUBSCRIPTION_DEFAULTS.maxSubscriptionsPerConnection,
    reauthenticateMs: options.reauthenticateMs ?? SUBSCRIPTION_DEFAULTS.reauthenticateMs,
  };
  const { schema, logger } = options;
  const format = options.formatError ?? hideUncoded(logger);
  const rules = [...specifiedRules, ...(options.validationRules ?? [])];
  const connections = new WeakMap<WebSocket, Connection<Caller>>();

  const wss = new WebSocketServer({ noServer: true, maxPayload: settings.maxPayloadBytes });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== settings.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  http.on('upgrade', onUpgrade);

  const refuse = (socket: WebSocket, error: unknown) => {
    const closeCode = CLOSE_CODES[codeOf(error)];
    if (!closeCode) logger?.error({ err: error }, 'subscriptions: a connection could not be authenticated');
    socket.close(closeCode ?? 1011, closeReason(closeCode ? (error as Error).message : 'Internal server error'));
  };

  const formatted = (errors: readonly GraphQLError[]) => errors.map((error) => format(error.toJSON(), error));

  const server = useServer(
    {
      schema,
      isProd: options.production ?? true,
      connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
      subscribe: (args) => eachEvent(args, options.executeEvent ?? ((event) => Promise.resolve(execute(event)))),
      onConnect: async ({ connectionParams, extra: { socket, request } }) => {
        const authorization = authorizationOf(connectionParams);
        const address = request.socket.remoteAddress ?? '';
        try {
          const connection: Connection<Caller> = { caller: await options.authenticate(authorization, address), authorization };
          // The client may have gone while the token was checked: then there is nothing to keep.
          if (socket.readyState !== socket.OPEN) return false;
          connections.set(socket, connection);
          connection.recheck = setInterval(() => {
            options.authenticate(authorization, address).then(
              (caller) => (connection.caller = caller),
              (error) => (SIGNED_OUT.has(CLOSE_CODES[codeOf(error)]) ? refuse(socket, error) : logger?.warn({ err: error }, 'subscriptions: token check failed')),
            );
          }, settings.reauthenticateMs);
          connection.recheck.unref();
          return true;
        } catch (error) {
          // Closed here with the code that says why; graphql-ws's own close (4403) then finds it closing.
          refuse(socket, error);
          return false;
        }
      },
      onClose: ({ extra: { socket } }) => {
        clearInterval(connections.get(socket)?.recheck);
        connections.delete(socket);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return [new GraphQLError('Not signed in.', { extensions: { code: 'UNAUTHENTICATED' } })];
        // graphql-ws counts the subscription being started among ctx.subscriptions already.
        if (Object.keys(ctx.subscriptions).length > settings.maxSubscriptionsPerConnection) {
          const max = settings.maxSubscriptionsPerConnection;
          return [new GraphQLError(`A connection may run at most ${max} subscriptions at once.`, { extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'subscriptions', max } })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) {
          return invalid.map((error) => (error.extensions.code ? error : new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })));
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Name the operation to run (operationName).', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError(`Only subscriptions are served over WebSocket; send a ${operation.operation} to POST ${settings.path}.`, { extensions: { code: 'BAD_REQUEST' } })];
        }
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await options.context(connection.caller),
        };
        return args;
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatted(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatted(errors),
    },
    wss,
  );

  let closed: Promise<void> | undefined;
  return {
    connections: () => wss.clients.size,
    close() {
      http.off('upgrade', onUpgrade);
      return (closed ??= Promise.resolve(server.dispose()));
    },
  };
}

/**
 * graphql-js's subscribe, with each event's execution run by `run`: the source
 * stream (the subscription field's subscribe), then one execution per event,
 * one at a time, in order. An execution that fails (the database did not
 * answer) is sent as that message's error; the stream goes on.
 */
async function eachEvent(args: ExecutionArgs, run: (args: ExecutionArgs) => Promise<ExecutionResult>): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const ended = (): Promise<IteratorResult<ExecutionResult>> => Promise.resolve({ value: undefined, done: true });
  const events: AsyncGenerator<ExecutionResult> = {
    async next() {
      const event = await source.next();
      if (event.done) return { value: undefined, done: true };
      try {
        return { value: await run({ ...args, rootValue: event.value }), done: false };
      } catch (error) {
        const failure = error instanceof GraphQLError ? error : new GraphQLError((error as Error).message, { originalError: error as Error });
        return { value: { errors: [failure] }, done: false };
      }
    },
    async return() {
      await source.return?.();
      return ended();
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return events;
    },
  };
  return events;
}

function authorizationOf(payload: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = payload?.authorization ?? payload?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

const codeOf = (error: unknown) => (error instanceof GraphQLError ? String(error.extensions.code ?? '') : '');

/** A close reason is at most 123 bytes of UTF-8. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/** Without a formatter of the server's, an error with no code (unexpected) is logged and says nothing about its cause. */
const hideUncoded =
  (logger: Logger | undefined) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (formatted.extensions?.code) return formatted;
    logger?.error({ err: error instanceof GraphQLError ? (error.originalError ?? error) : error, path: formatted.path }, 'subscriptions: unexpected error');
    return { message: 'Internal server error.', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
