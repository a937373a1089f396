import type { IncomingMessage } from 'node:http';
import type { EntityManager } from 'typeorm';
import { type Caller, mayPerform } from '../auth/caller';
import { ACCESS, type Operation } from '../auth/roles';
import { IdempotencyConflict, type IdempotencyService, requestFingerprint } from '../idempotency/idempotency.service';
import { ErrorCode } from '../shared/errors';
import type { Database } from '../shared/unit-of-work';
import { errorBody, header, type HttpResult, jsonResult } from './io';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's idempotency key: `Idempotency-Key`, else Partner Center's `MS-RequestId`. */
export const idempotencyKeyOf = (req: IncomingMessage) => header(req, 'idempotency-key') ?? header(req, 'ms-requestid');

/** How an entry point words a refusal of the key (GraphQL and Partner Center bodies differ). */
export type KeyRefusal = (code: ErrorCode, status: number, message: string, field?: string) => HttpResult;

/** The GraphQL-shaped refusal. */
export const graphqlKeyRefusal: KeyRefusal = (code, status, message, field) =>
  jsonResult(status, errorBody(code, message, field ? { field } : {}));

/** A keyed request: what makes it the same request again, and the guarded operations it asks for (the role table's). */
export interface KeyedRequest {
  method: string;
  path: string;
  body: unknown;
  operations: readonly Operation[];
}

/**
 * Runs a keyed mutation request at most once per partner, user and key, and
 * answers a retry with the stored response (`Idempotent-Replayed: true`) while
 * the caller may still do what it did. A request the caller may do none of is
 * refused in full and writes nothing: it is not kept, so that the key stays
 * free for the request made with the role.
 */
export async function runIdempotently(
  db: Database,
  idempotency: IdempotencyService,
  caller: Caller,
  key: string,
  request: KeyedRequest,
  execute: (em: EntityManager) => Promise<HttpResult>,
  refuse: KeyRefusal = graphqlKeyRefusal,
): Promise<HttpResult> {
  if (!KEY.test(key)) {
    return refuse(ErrorCode.BAD_USER_INPUT, 400, 'Idempotency-Key: 1 to 255 printable characters without spaces.', 'Idempotency-Key');
  }
  const allowed = request.operations.filter((operation) => mayPerform(caller, operation));
  if (request.operations.length > 0 && allowed.length === 0) return db.write(execute);
  // An operation the role table no longer has cannot be vouched for: the request runs again.
  const may = (operations: readonly string[]) => operations.every((operation) => operation in ACCESS && mayPerform(caller, operation as Operation));
  try {
    const result = await idempotency.run(
      { partnerId: caller.partner.id, userId: caller.userId },
      key,
      { fingerprint: requestFingerprint(request.method, request.path, request.body), operations: allowed },
      may,
      execute,
    );
    return result.replayed ? { ...result, headers: { ...result.headers, 'idempotent-replayed': 'true' } } : result;
  } catch (error) {
    if (error instanceof IdempotencyConflict) return refuse(error.code, error.status, error.message);
    throw error;
  }
}
