import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from 'typeorm';
import type { Caller } from '../auth/caller';
import { Operation as Guarded } from '../auth/roles';
import { idempotencyKeyOf, runIdempotently } from '../http/idempotent-request';
import { MAX_BODY_BYTES, parseJsonBody, readBody, send, sendTooLarge, sendUnread, traceHeader } from '../http/io';
import type { Services } from '../services';
import { ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { RequestScope } from '../shared/request-scope';
import { partnerCenterDocuments } from './partner-center/agreement-documents';
import { partnerCenterAgreements } from './partner-center/agreements';
import { correlationVectorOf } from './partner-center/correlation-vector';
import { errorBody, errorResult, refusalResult, RestErrorCode } from './partner-center/errors';
import { acceptanceStatusExport } from './reports/acceptance-status-export';
import { answering, type RestHandler, type RouteMatch, type StreamHandler } from './rest-handler';

/** How a route answers; a POST says which guarded operations of the role table it does, for idempotent replays. */
type Operation = { kind: 'result'; handle: RestHandler; does?: readonly Guarded[] } | { kind: 'stream'; handle: StreamHandler };

interface Route {
  pattern: RegExp;
  params: readonly string[];
  methods: Readonly<Partial<Record<'GET' | 'POST', Operation>>>;
}

export interface RestDeps {
  services: Services;
  /** The caller of a request, or an UNAUTHENTICATED (or RATE_LIMITED) error. */
  authenticate(req: IncomingMessage): Promise<Caller>;
  logger: Logger;
}

/**
 * Everything under /v1: the Partner Center-compatible agreement routes and the
 * reports. Same token as GraphQL; MS-RequestId, MS-CorrelationId and MS-CV
 * echoed on every answer; refusals in Partner Center's error shape.
 */
export function restEndpoint(deps: RestDeps) {
  const agreements = partnerCenterAgreements(deps.services);
  const documents = partnerCenterDocuments(deps.services);
  const result = (handle: RestHandler, does: readonly Guarded[] = []): Operation => ({ kind: 'result', handle: answering(handle), does });
  const routes: Route[] = [
    { pattern: /^\/v1\/agreements$/i, params: [], methods: { GET: result(agreements.metadata) } },
    {
      pattern: /^\/v1\/customers\/([^/]+)\/agreements$/i,
      params: ['customerId'],
      methods: { GET: result(agreements.ofCustomer), POST: result(agreements.confirm, [Guarded.CONFIRM_ACCEPTANCE]) },
    },
    { pattern: /^\/v1\/agreementtemplates\/([^/]+)\/document$/i, params: ['templateId'], methods: { GET: result(documents.document) } },
    {
      pattern: /^\/v1\/customers\/([^/]+)\/directSignedMicrosoftCustomerAgreementStatus$/i,
      params: ['customerId'],
      methods: { GET: result(documents.directSignedStatus) },
    },
    {
      pattern: /^\/v1\/reports\/acceptance-status\.csv$/i,
      params: [],
      methods: { GET: { kind: 'stream', handle: acceptanceStatusExport(deps.services) } },
    },
  ];

  function match(url: URL): { route: Route; params: Record<string, string> } | null {
    for (const route of routes) {
      const found = route.pattern.exec(url.pathname);
      if (!found) continue;
      try {
        return { route, params: Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(found[i + 1])])) };
      } catch {
        return null; // a malformed %-escape names nothing here
      }
    }
    return null;
  }

  async function run(req: IncomingMessage, res: ServerResponse, operation: Operation, route: RouteMatch, caller: Caller): Promise<void> {
    if (operation.kind === 'stream') return operation.handle(req, res, caller, route);
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req);
      if (raw === null) {
        return sendTooLarge(req, res, errorBody(RestErrorCode.PAYLOAD_TOO_LARGE, `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
      }
      const parsed = parseJsonBody(raw, { byteOrderMark: 'skip' });
      if ('refusal' in parsed) return send(res, errorResult(RestErrorCode.BAD_REQUEST, parsed.refusal));
      body = parsed.value;
    }
    const execute = (em: EntityManager) => operation.handle(req, body, caller, route, em);
    const { db } = deps.services;
    if (req.method !== 'POST') return send(res, await db.read(execute));
    const key = idempotencyKeyOf(req);
    if (key === undefined) return send(res, await db.write(execute));
    const request = { method: 'POST', path: route.url.pathname, body, operations: operation.does ?? [] };
    const refuse = (code: Parameters<typeof errorResult>[0], _status: number, message: string, field?: string) => errorResult(code, message, field ? { field } : {});
    send(res, await runIdempotently(db, deps.services.idempotency, caller, key, request, execute, refuse));
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL, scope: RequestScope): Promise<void> {
    // Partner Center makes up the ids a client does not send; so does this API.
    scope.correlationId ??= randomUUID();
    res.setHeader('ms-correlationid', scope.correlationId);
    res.setHeader('ms-requestid', traceHeader(req, 'ms-requestid') ?? scope.requestId);
    res.setHeader('ms-cv', correlationVectorOf(req));

    const found = match(url);
    if (!found) return sendUnread(req, res, errorResult(ErrorCode.NOT_FOUND, `No route ${url.pathname}.`));
    const operation = found.route.methods[req.method as 'GET' | 'POST'];
    if (!operation) {
      const allow = Object.keys(found.route.methods).join(', ');
      return sendUnread(req, res, errorResult(RestErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not supported here; use ${allow}.`, {}, { allow }));
    }
    try {
      // The caller first, from the Authorization header alone: a refused one's body is never read.
      let caller: Caller;
      try {
        caller = await deps.authenticate(req);
      } catch (error) {
        const refused = refusalResult(error);
        if (refused) return sendUnread(req, res, refused);
        throw error;
      }
      await run(req, res, operation, { url, params: found.params }, caller);
    } catch (error) {
      if (res.headersSent) {
        // A stream already under way cannot turn into an error response: cut it, so the client sees it incomplete.
        deps.logger.error({ err: error, requestId: scope.requestId }, 'response cut short');
        res.destroy();
        return;
      }
      const refusal = refusalResult(error);
      if (refusal) return send(res, refusal);
      deps.logger.error({ err: error, requestId: scope.requestId }, 'request failed');
      send(res, errorResult(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.', { requestId: scope.requestId }));
    }
  };
}
