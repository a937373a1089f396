import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import type { IdempotencyConfig } from '../config';
import type { Clock } from '../shared/clock';
import { ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { HttpResult } from '../shared/http-result';
import { type Database, isUniqueViolation } from '../shared/unit-of-work';
import type { IdempotencyKey } from './idempotency-key.entity';
import type { IdempotencyRepository, KeyOwner } from './idempotency.repository';

/** Why a keyed request cannot run: IDEMPOTENCY_KEY_REUSED (422) or IDEMPOTENCY_KEY_IN_USE (409). */
export class IdempotencyConflict extends Error {
  constructor(
    readonly code: ErrorCode.IDEMPOTENCY_KEY_REUSED | ErrorCode.IDEMPOTENCY_KEY_IN_USE,
    readonly status: 422 | 409,
    message: string,
  ) {
    super(message);
  }
}

export type { KeyOwner };

/** A claim not completed within this time is taken to be abandoned (its process died). */
const LEASE_MS = 60_000;
const POLL_MS = 50;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * JSON with sorted keys, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same
 * request. Iterative: a body nested as deep as 1 MB allows must not overflow the stack.
 */
function canonical(root: unknown): string {
  const out: string[] = [];
  // What is left to write, last first: literal text, or a value.
  const todo: ({ text: string } | { value: unknown })[] = [{ value: root }];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if ('text' in next) {
      out.push(next.text);
      continue;
    }
    const { value } = next;
    if (value && typeof value === 'object') {
      const entries = Array.isArray(value)
        ? value.map((item): [string | null, unknown] => [null, item])
        : Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
      todo.push({ text: close });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i];
        todo.push({ value: item });
        if (key !== null) todo.push({ text: `${JSON.stringify(key)}:` });
        if (i > 0) todo.push({ text: ',' });
      }
      todo.push({ text: open });
      continue;
    }
    out.push(JSON.stringify(value) ?? 'null');
  }
  return out.join('');
}

/** What makes two requests "the same request": method, path and body. */
export const requestFingerprint = (method: string, path: string, body: unknown) =>
  createHash('sha256').update(`${method} ${path}\n${canonical(body)}`).digest('hex');

/**
 * Safe retries of mutations (`Idempotency-Key`, or Partner Center's
 * `MS-RequestId`), kept per partner and user in the database so that every
 * server process sees them: the first request with a key runs and its
 * response is stored, with the guarded operations it did, in the same
 * transaction as what it wrote; the same request again gets the stored
 * response, if the caller may still do those operations, else it runs as a
 * request of its own (and nothing is stored); another request with that key is
 * refused. Server errors (5xx) are not stored, so a retry runs again.
 */
export class IdempotencyService {
  constructor(
    private readonly db: Database,
    private readonly keys: IdempotencyRepository,
    private readonly clock: Clock,
    private readonly config: IdempotencyConfig,
  ) {}

  /**
   * Runs `execute` once, as one unit of work, for the owner's key and request
   * (`fingerprint`), storing its response within that unit with the guarded
   * `operations` it does; a retry is answered with the stored response when
   * `mayReplay` says the caller may still do the operations stored with it,
   * else it runs again, unstored.
   */
  async run(
    owner: KeyOwner,
    key: string,
    request: { fingerprint: string; operations: readonly string[] },
    mayReplay: (operations: readonly string[]) => boolean,
    execute: (em: EntityManager) => Promise<HttpResult>,
  ): Promise<HttpResult & { replayed: boolean }> {
    const deadline = Date.now() + this.config.waitMs;
    for (;;) {
      const now = this.clock.now();
      if (await this.claim(owner, key, request, now)) break;
      const row = await this.db.read((em) => this.keys.find(em, owner, key));
      if (!row) continue; // expired and removed meanwhile: claim again
      if (row.expiresAt <= now) {
        await this.db.write((em) => this.keys.removeExpired(em, owner, key, now));
        continue;
      }
      if (row.fingerprint !== request.fingerprint) {
        throw new IdempotencyConflict(ErrorCode.IDEMPOTENCY_KEY_REUSED, 422, 'This idempotency key was used for a different request.');
      }
      if (row.state === 'COMPLETED') {
        if (mayReplay(operationsOf(row))) return { ...stored(row), replayed: true };
        // The caller lost a role the stored answer rests on: it gets an answer of its own, and the stored one stays.
        return { ...(await this.db.write(execute)), replayed: false };
      }
      if (row.leaseUntil <= now && (await this.db.write((em) => this.keys.takeOver(em, owner, key, now, new Date(now.getTime() + LEASE_MS))))) break;
      if (Date.now() >= deadline) {
        throw new IdempotencyConflict(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 409, 'A request with this idempotency key is still being processed; retry later.');
      }
      await sleep(POLL_MS);
    }

    let result: HttpResult;
    try {
      result = await this.db.write(async (em) => {
        const done = await execute(em);
        if (done.status < 500) {
          await this.keys.complete(em, owner, key, {
            responseStatus: done.status,
            responseContentType: done.headers['content-type'] ?? null,
            responseBody: done.body === undefined || done.body === null ? done.body : withoutSigningLinks(done.body),
          });
        }
        return done;
      });
    } catch (error) {
      await this.release(owner, key);
      throw error;
    }
    if (result.status >= 500) await this.release(owner, key);
    return { ...result, replayed: false };
  }

  /** Removes expired keys; returns how many. */
  prune(): Promise<number> {
    return this.db.write((em) => this.keys.removeExpired(em, null, null, this.clock.now()));
  }

  /** Removes expired keys every 10 minutes, in the background (a lookup treats them as absent anyway); returns how to stop. */
  pruneRegularly(logger: Logger): () => void {
    const timer = setInterval(() => {
      this.prune().catch((error: unknown) => logger.warn({ err: error }, 'pruning idempotency keys failed'));
    }, PRUNE_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async claim(owner: KeyOwner, key: string, request: { fingerprint: string; operations: readonly string[] }, now: Date): Promise<boolean> {
    const at = (ms: number) => new Date(now.getTime() + ms);
    try {
      await this.db.write((em) =>
        this.keys.claim(em, {
          ...owner,
          idempotencyKey: key,
          fingerprint: request.fingerprint,
          operations: request.operations.join(','),
          state: 'IN_PROGRESS',
          createdAt: at(0),
          leaseUntil: at(LEASE_MS),
          expiresAt: at(this.config.ttlMs),
        }),
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Frees a claim whose request did not complete; a failure to do so only delays a retry until the lease runs out. */
  private async release(owner: KeyOwner, key: string): Promise<void> {
    await this.db.write((em) => this.keys.release(em, owner, key)).catch(() => undefined);
  }
}

const operationsOf = (row: IdempotencyKey): string[] => (row.operations ? row.operations.split(',') : []);

/**
 * A response as it is kept for replays: without the signing links an acceptance request's
 * answer carries (`signingUrl`), whose token is never stored anywhere. A replay answers
 * `signingUrl: null`; the link is then renewed to be had again.
 */
export const withoutSigningLinks = (body: string): string => body.replace(/"signingUrl":"(?:[^"\\]|\\.)*"/g, '"signingUrl":null');

function stored(row: IdempotencyKey): HttpResult {
  return {
    status: Number(row.responseStatus),
    headers: row.responseContentType ? { 'content-type': row.responseContentType } : {},
    body: row.responseBody ?? '',
  };
}
