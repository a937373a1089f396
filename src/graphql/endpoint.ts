import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import { type DocumentNode, getOperationAST, GraphQLError, type GraphQLSchema, Kind, parse, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import type { EntityManager } from 'typeorm';
import type { Caller } from '../auth/caller';
import type { FieldAccess } from '../auth/guard';
import type { Operation } from '../auth/roles';
import { idempotencyKeyOf, runIdempotently } from '../http/idempotent-request';
import { errorBody, type HttpResult, jsonResult, MAX_BODY_BYTES, parseJsonBody, readBody, send, sendJson, sendTooLarge, sendUnread } from '../http/io';
import type { Services } from '../services';
import type { RequestScope } from '../shared/request-scope';
import type { Context } from './context';
import { createLoaders } from './loaders';

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

/** What a request's documents are: mutations, with the guarded operations their fields do. */
interface RequestKind {
  mutation: boolean;
  operations: Operation[];
}

/**
 * POST and GET /graphql, through Apollo's own HTTP handling (GraphQL over
 * HTTP, CSRF prevention). The caller is known and within its rate limit
 * before anything of the request is read or parsed. Every request is one unit
 * of work: a read for queries, one transaction for a mutation, in which the
 * audit events and the idempotency record are written too.
 */
export function graphqlEndpoint(deps: GraphQLEndpointDeps) {
  const { apollo, services } = deps;
  const kinds = new Map<string, RequestKind>();

  /** Runs one request through Apollo within the unit of work `em`. */
  async function execute(req: IncomingMessage, url: URL, body: unknown, scope: RequestScope, caller: Caller | null, em: EntityManager | null): Promise<HttpResult> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        // Only the landing page runs without a caller, and it runs no operation.
        if (!caller || !em) throw new GraphQLError('Sign in first.');
        return { caller, em, requestId: scope.requestId, services, loaders: createLoaders(services, caller, em) };
      },
    });
    let text = '';
    if (result.body.kind === 'complete') text = result.body.string;
    else for await (const chunk of result.body.asyncIterator) text += chunk;
    return { status: result.status ?? 200, headers: Object.fromEntries(result.headers), body: text };
  }

  /** Whether a body asks for mutations (parsed once per document, under the token limit). */
  function kindOf(body: unknown): RequestKind {
    const requests = (Array.isArray(body) ? body : [body]) as { query?: unknown; operationName?: unknown }[];
    const found: RequestKind = { mutation: false, operations: [] };
    for (const request of requests) {
      const { query, operationName } = request ?? {};
      if (typeof query !== 'string') continue;
      const key = `${typeof operationName === 'string' ? operationName : ''}\n${query}`;
      let kind = kinds.get(key);
      if (!kind) {
        kind = mutationOf(deps.schema, query, operationName, deps.maxTokens);
        if (kinds.size >= 1000) kinds.delete(kinds.keys().next().value!);
        kinds.set(key, kind);
      }
      found.mutation ||= kind.mutation;
      found.operations.push(...kind.operations);
    }
    found.operations = [...new Set(found.operations)].sort();
    return found;
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL, scope: RequestScope): Promise<void> {
    // The landing page is a page for a browser, not a request: nothing to parse, no token to ask for.
    if (deps.landingPage && req.method === 'GET' && /\btext\/html\b/i.test(req.headers.accept ?? '')) {
      return send(res, await execute(req, url, undefined, scope, null, null));
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
    const run = (em: EntityManager) => execute(req, url, body, scope, caller, em);
    try {
      const kind = req.method === 'POST' ? kindOf(body) : { mutation: false, operations: [] };
      if (!kind.mutation) return send(res, await services.db.read(run));
      const key = idempotencyKeyOf(req);
      if (key === undefined) return send(res, await services.db.write(run));
      const request = { method: 'POST', path: url.pathname, body, operations: kind.operations };
      send(res, await runIdempotently(services.db, services.idempotency, caller, key, request, run));
    } catch (error) {
      // The unit of work could not commit (the database stopped answering): 503, as Apollo words errors.
      if (error instanceof GraphQLError && error.extensions.http) return send(res, refusal(error));
      throw error;
    }
  };
}

/**
 * Whether a document's operation is a mutation (what a transaction and an
 * idempotency key apply to), and the guarded operations of the fields it
 * selects (the role table's, from the schema). Parsed under Apollo's token
 * limit: a document over it, or one that does not parse, is no mutation here,
 * and Apollo refuses it as it must.
 */
function mutationOf(schema: GraphQLSchema, query: string, operationName: unknown, maxTokens: number): RequestKind {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return { mutation: false, operations: [] };
  }
  const operation = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
  if (operation?.operation !== 'mutation') return { mutation: false, operations: [] };
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
  return { mutation: true, operations: [...operations].sort() };
}

/** The refusal of a caller (401, 429, 503), as Apollo words errors, with the error's status and headers. */
function refusal(error: GraphQLError): HttpResult {
  const http = error.extensions.http as { status: number; headers?: Map<string, string> };
  return jsonResult(http.status, { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }, Object.fromEntries(http.headers ?? []));
}
