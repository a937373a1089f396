import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { header } from '../../http/io';

// A correlation vector as Partner Center's examples send it: a base64 base, then `.` and a number per hop ("YOrQVpKzE0y+Gc8T.0").
const CORRELATION_VECTOR = /^[A-Za-z0-9+/]{1,64}(?:\.\d{1,10})+$/;

/**
 * The `MS-CV` to answer with: the client's when it is a correlation vector of
 * at most 128 characters, else a new one, as the request and correlation ids are made up.
 */
export function correlationVectorOf(req: IncomingMessage): string {
  const given = header(req, 'ms-cv');
  if (given && given.length <= 128 && CORRELATION_VECTOR.test(given)) return given;
  return `${randomBytes(12).toString('base64')}.0`;
}
