import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger';
import { type RequestScope, runInRequestScope } from '../shared/request-scope';
import { header, traceHeader } from './io';
import type { Metrics } from './metrics';

/**
 * Gives each request its id (the client's x-request-id or MS-RequestId when
 * usable, else a new one), echoes it and MS-CorrelationId, and once the answer
 * is sent, counts it in the metrics and logs one line: ids, partner, route,
 * status, milliseconds and SQL statements. `handle` runs in the request's scope.
 */
export function requestLog(logger: Logger, metrics: Metrics, handle: (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
    return runInRequestScope(scope, () => handle(req, res, scope));
  };
}

/** The route of a request path for metrics and logs: ids are replaced, unknown paths pooled. */
function routeOf(url: string): string {
  const path = url.split('?')[0];
  if (['/graphql', '/healthz', '/readyz', '/metrics'].includes(path)) return path;
  if (path.startsWith('/v1/')) return path.replace(/^\/v1\/customers\/[^/]+/, '/v1/customers/:id');
  // Never a signing link's token.
  if (path.startsWith('/sign/')) return path === '/sign/local-date.js' ? path : '/sign/:token';
  return 'other';
}
