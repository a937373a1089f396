import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

/** Request headers a browser page may send (preflights ask for them): the API's own, and Apollo's CSRF preflight headers. */
const ALLOWED_HEADERS = [
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
const EXPOSED_HEADERS = ['x-request-id', 'ms-requestid', 'ms-correlationid', 'idempotent-replayed', 'retry-after'];
/** Seconds a browser may keep a preflight's answer (Chromium keeps at most 7200). */
const MAX_AGE = 600;

/**
 * CORS for the browser pages of `origins` (none: no CORS at all): a preflight
 * from one of them is answered 204 with what it may send, whatever token it
 * lacks; their requests get the allow-origin and expose headers. Any other
 * origin gets no CORS header, so its pages cannot read an answer. Resolves
 * true when the request goes on, false when it was a preflight, answered.
 */
export function crossOrigin(origins: readonly string[]) {
  if (origins.length === 0) return null;
  const middleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && origins.includes(origin) ? origin : false),
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: MAX_AGE,
  });
  return (req: IncomingMessage, res: ServerResponse) =>
    new Promise<boolean>((resolve, reject) => {
      res.once('finish', () => resolve(false));
      middleware(req, res, (error) => (error ? reject(error) : resolve(true)));
    });
}
