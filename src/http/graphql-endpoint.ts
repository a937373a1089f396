import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { getOperationAST, GraphQLError, parse } from 'graphql';
import type { Caller } from '../auth/caller';
import type { Services } from '../services';
import type { Context } from '../shared/context';
import { createLoaders } from '../shared/loaders';
import type { RequestScope } from '../shared/request-scope';
import { idempotencyKeyOf, runIdempotently } from '../idempotency/idempotent-request';
import { errorBody, type HttpResult, jsonResult, parseJsonBody, readBody, send, sendJson, sendTooLarge, MAX_BODY_BYTES } from './io';

export interface GraphQLEndpointDeps {
  apollo: ApolloServer<Context>;
  services: Services;
  /** The caller of a request, or an UNAUTHENTICATED error. */
  authenticate(req: IncomingMessage): Promise<Caller>;
}

const JSON_CONTENT = /^application\/(.+\+)?json\b/i;

/** POST and GET /graphql, through Apollo's own HTTP handling (GraphQL over HTTP, CSRF prevention). */
export function graphqlEndpoint(deps: GraphQLEndpointDeps) {
  const { apollo, services } = deps;

  /** Runs one parsed request through Apollo; `caller` skips authentication when it is already known. */
  async function execute(req: IncomingMessage, url: URL, body: unknown, scope: RequestScope, caller?: Caller): Promise<HttpResult> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        const signedIn = caller ?? (await deps.authenticate(req));
        return { caller: signedIn, requestId: scope.requestId, services, loaders: createLoaders(services, signedIn) };
      },
    });
    let text = '';
    if (result.body.kind === 'complete') text = result.body.string;
    else for await (const chunk of result.body.asyncIterator) text += chunk;
    return { status: result.status ?? 200, headers: Object.fromEntries(result.headers), body: text };
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL, scope: RequestScope): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req);
      if (raw === null) return sendTooLarge(req, res, errorBody('PAYLOAD_TOO_LARGE', `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
      body = raw.toString('utf8');
      if (JSON_CONTENT.test(req.headers['content-type'] ?? '')) {
        const parsed = parseJsonBody(raw);
        if ('refusal' in parsed) return sendJson(res, 400, errorBody('BAD_REQUEST', parsed.refusal));
        body = parsed.value;
      }
    }
    const key = idempotencyKeyOf(req);
    if (key === undefined || !isMutation(body)) return send(res, await execute(req, url, body, scope));
    let caller: Caller;
    try {
      caller = await deps.authenticate(req);
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.http) return send(res, refusal(error));
      throw error;
    }
    const request = { method: 'POST', path: url.pathname, body };
    send(res, await runIdempotently(services.idempotency, caller, key, request, () => execute(req, url, body, scope, caller)));
  };
}

/** Whether a POST body asks for a mutation (what an idempotency key applies to). */
function isMutation(body: unknown): boolean {
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false;
  try {
    const operation = getOperationAST(parse(query), typeof operationName === 'string' ? operationName : undefined);
    return operation?.operation === 'mutation';
  } catch {
    return false;
  }
}

/** What Apollo itself answers when signing in refuses the caller (401, 429, 503), with the error's status and headers. */
function refusal(error: GraphQLError): HttpResult {
  const http = error.extensions.http as { status: number; headers?: Map<string, string> };
  return jsonResult(http.status, { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }, Object.fromEntries(http.headers ?? []));
}
