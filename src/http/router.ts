import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope } from '../shared/request-scope';
import { errorBody, sendJson } from './io';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, scope: RequestScope) => Promise<void> | void;

export interface Routes {
  graphql: Handler;
  /** Everything under /v1. */
  rest: Handler;
  live: (res: ServerResponse) => void;
  ready: (res: ServerResponse) => Promise<void>;
  metrics: (res: ServerResponse) => Promise<void>;
  /** The signing page: everything under /sign/ (its own rate limit per client address). */
  signing: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Answers a CORS preflight itself (false), or lets an API request go on (true); null without CORS. */
  crossOrigin: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | null;
}

/** Sends each request to its route: /graphql, /v1/..., /sign/..., /healthz, /readyz, /metrics; anything else is 404. */
export function router(routes: Routes) {
  return async (req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rest = /^\/v1(\/|$)/i.test(url.pathname);
    if ((url.pathname === '/graphql' || rest) && routes.crossOrigin && !(await routes.crossOrigin(req, res))) return;
    if (url.pathname === '/graphql') return routes.graphql(req, res, url, scope);
    if (rest) return routes.rest(req, res, url, scope);
    if (url.pathname.startsWith('/sign/')) return routes.signing(req, res);
    switch (url.pathname) {
      case '/healthz':
        return routes.live(res);
      case '/readyz':
        return routes.ready(res);
      case '/metrics':
        return routes.metrics(res);
      default:
        return sendJson(res, 404, errorBody('NOT_FOUND', `No route ${url.pathname}.`));
    }
  };
}
