import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { type DocumentNode, getOperationAST, GraphQLError, type GraphQLSchema, Kind, parse, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import type { Caller } from '../auth/caller';
import type { FieldAccess } from '../auth/guard';
import type { Operation } from '../auth/roles';
import type { Services } from '../services';
import type { Context } from '../shared/context';
import { createLoaders } from '../shared/loaders';
import type { RequestScope } from '../shared/request-scope';
import { idempotencyKeyOf, runIdempotently } from '../idempotency/idempotent-request';
import { errorBody, type HttpResult, jsonResult, parseJsonBody, readBody, send, sendJson, sendTooLarge, sendUnread, MAX_BODY_BYTES } from './io';

export interface GraphQLEndpointDeps {
  apollo: ApolloServer<Context>;
  schema: GraphQLSchema;
  services: Services;
  /** The caller of a request, or an UNAUTHENTICATED (or RATE_LIMITED) error. */
  authenticate(req: IncomingMessage): Promise<Caller>;
  /** Whether Apollo shows its landing page to a browser (outside production). */
  landingPage: boolean;
  /** The token limit Apollo parses documents with (GRAPHQL_MAX_TOKENS). */
  maxTokens: number;
}

const JSON_CONTENT = /^application\/(.+\+)?json\b/i;

/**
 * POST and GET /graphql, through Apollo's own HTTP handling (GraphQL over
 * HTTP, CSRF prevention). The caller is known and within its rate limit
 * before anything of the request is read or parsed.
 */
export function graphqlEndpoint(deps: GraphQLEndpointDeps) {
  const { apollo, services } = deps;

  /** Runs one request through Apollo; without `caller` (the landing page), Apollo signs the caller in before it parses anything. */
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
    // The landing page is a page for a browser, not a request: nothing to parse, no token to ask for.
    if (deps.landingPage && req.method === 'GET' && /\btext\/html\b/i.test(req.headers.accept ?? '')) {
      return send(res, await execute(req, url, undefined, scope));
    }
    let caller: Caller;
    try {
      caller = await deps.authenticate(req);
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.http) return sendUnread(req, res, refusal(error));
      throw error;
    }
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
    const operations = key === undefined ? null : mutationOperations(deps.schema, body, deps.maxTokens);
    if (key === undefined || !operations) return send(res, await execute(req, url, body, scope, caller));
    const request = { method: 'POST', path: url.pathname, body, operations };
    send(res, await runIdempotently(services.idempotency, caller, key, request, () => execute(req, url, body, scope, caller)));
  };
}

/**
 * When a POST body asks for a mutation (what an idempotency key applies to), the guarded operations of
 * the fields it selects (the role table's, from the schema); else null. Parsed under Apollo's token
 * limit: a document over it is no mutation here, and Apollo refuses it with QUERY_LIMIT_EXCEEDED.
 */
function mutationOperations(schema: GraphQLSchema, body: unknown, maxTokens: number): Operation[] | null {
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return null;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return null;
  }
  const operation = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
  if (operation?.operation !== 'mutation') return null;
  const operations = new Set<Operation>();
  const typeInfo = new TypeInfo(schema);
  const collect = visitWithTypeInfo(typeInfo, {
    Field() {
      const access = typeInfo.getFieldDef()?.extensions.access as FieldAccess | undefined;
      if (access && 'operation' in access) operations.add(access.operation);
    },
  });
  // The operation and the fragments it may spread (an unused fragment fails validation anyway).
  for (const definition of document.definitions) {
    if (definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, collect);
  }
  return [...operations].sort();
}

/** The refusal of a caller (401, 429, 503) as Apollo words errors, with the error's status and headers. */
function refusal(error: GraphQLError): HttpResult {
  const http = error.extensions.http as { status: number; headers?: Map<string, string> };
  return jsonResult(http.status, { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }, Object.fromEntries(http.headers ?? []));
}
