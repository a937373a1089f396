import type { IncomingMessage } from 'node:http';
import type { Caller } from '../auth/caller';
import { errorBody, header, type HttpResult, jsonResult } from '../http/io';
import { ErrorCode } from '../shared/errors';
import { IdempotencyConflict, type IdempotencyService, requestFingerprint } from './idempotency.service';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's idempotency key: `Idempotency-Key`, else Partner Center's `MS-RequestId`. */
export const idempotencyKeyOf = (req: IncomingMessage) => header(req, 'idempotency-key') ?? header(req, 'ms-requestid');

/** How an entry point words a refusal of the key (GraphQL and Partner Center bodies differ). */
export type KeyRefusal = (code: ErrorCode, status: number, message: string, field?: string) => HttpResult;

/** The GraphQL-shaped refusal. */
export const graphqlKeyRefusal: KeyRefusal = (code, status, message, field) =>
  jsonResult(status, errorBody(code, message, field ? { field } : {}));

/**
 * Runs a keyed mutation request at most once per partner and key, and answers
 * a retry with the stored response (`Idempotent-Replayed: true`).
 */
export async function runIdempotently(
  idempotency: IdempotencyService,
  caller: Caller,
  key: string,
  request: { method: string; path: string; body: unknown },
  execute: () => Promise<HttpResult>,
  refuse: KeyRefusal = graphqlKeyRefusal,
): Promise<HttpResult> {
  if (!KEY.test(key)) {
    return refuse(ErrorCode.BAD_USER_INPUT, 400, 'Idempotency-Key: 1 to 255 printable characters without spaces.', 'Idempotency-Key');
  }
  try {
    const result = await idempotency.run(caller.partner.id, key, requestFingerprint(request.method, request.path, request.body), execute);
    return result.replayed ? { ...result, headers: { ...result.headers, 'idempotent-replayed': 'true' } } : result;
  } catch (error) {
    if (error instanceof IdempotencyConflict) return refuse(error.code, error.status, error.message);
    throw error;
  }
}
