import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdempotencyConfig } from '../config';
import type { HttpResult } from '../http/io';
import type { Clock } from '../shared/clock';
import { type Database, instantParam, instantValue, isUniqueViolation } from '../shared/db';
import { ErrorCode } from '../shared/errors';

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

/** Whose a key is: a user of a partner. */
export interface KeyOwner {
  partnerId: string;
  userId: string;
}

interface KeyRow {
  fingerprint: string;
  operations: string;
  state: 'IN_PROGRESS' | 'COMPLETED';
  response_status: number | null;
  response_content_type: string | null;
  response_body: string | null;
  lease_until: unknown;
  expires_at: unknown;
}

/** A claim not completed within this time is taken to be abandoned (its process died). */
const LEASE_MS = 60_000;
const POLL_MS = 50;

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
 * response is stored, with the guarded operations it did; the same request
 * again gets the stored response, if the caller may still do those operations,
 * else it runs as a request of its own (and nothing is stored); another request
 * with that key is refused. Server errors (5xx) are not stored, so a retry runs again.
 */
export class IdempotencyService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly config: IdempotencyConfig,
  ) {}

  /**
   * Runs `execute` once for the owner's key and request (`fingerprint`), storing its response with the
   * guarded `operations` it does; a retry is answered with the stored response when `mayReplay` says
   * the caller may still do the operations stored with it, else it runs again, unstored.
   */
  async run(
    owner: KeyOwner,
    key: string,
    request: { fingerprint: string; operations: readonly string[] },
    mayReplay: (operations: readonly string[]) => boolean,
    execute: () => Promise<HttpResult>,
  ): Promise<HttpResult & { replayed: boolean }> {
    const deadline = Date.now() + this.config.waitMs;
    for (;;) {
      const now = this.clock.now();
      if (await this.claim(owner, key, request, now)) break;
      const row = await this.find(owner, key);
      if (!row) continue; // expired and removed meanwhile: claim again
      if (instantValue(row.expires_at) <= now) {
        await this.db.query('DELETE FROM idempotency_keys WHERE partner_id = ? AND user_id = ? AND idempotency_key = ? AND expires_at <= ?', [
          owner.partnerId,
          owner.userId,
          key,
          instantParam(this.db.dialect, now),
        ]);
        continue;
      }
      if (row.fingerprint !== request.fingerprint) {
        throw new IdempotencyConflict(ErrorCode.IDEMPOTENCY_KEY_REUSED, 422, 'This idempotency key was used for a different request.');
      }
      if (row.state === 'COMPLETED') {
        if (mayReplay(operationsOf(row))) return { ...stored(row), replayed: true };
        // The caller lost a role the stored answer rests on: it gets an answer of its own, and the stored one stays.
        return { ...(await execute()), replayed: false };
      }
      if (instantValue(row.lease_until) <= now && (await this.takeOver(owner, key, now))) break;
      if (Date.now() >= deadline) {
        throw new IdempotencyConflict(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 409, 'A request with this idempotency key is still being processed; retry later.');
      }
      await sleep(POLL_MS);
    }

    let result: HttpResult;
    try {
      result = await execute();
    } catch (error) {
      await this.release(owner, key);
      throw error;
    }
    if (result.status >= 500) await this.release(owner, key);
    else await this.complete(owner, key, result);
    return { ...result, replayed: false };
  }

  /** Removes expired keys; returns how many. */
  prune(): Promise<number> {
    return this.db.execute('DELETE FROM idempotency_keys WHERE expires_at <= ?', [instantParam(this.db.dialect, this.clock.now())]);
  }

  private async claim(owner: KeyOwner, key: string, request: { fingerprint: string; operations: readonly string[] }, now: Date): Promise<boolean> {
    const at = (ms: number) => instantParam(this.db.dialect, new Date(now.getTime() + ms));
    try {
      await this.db.query(
        'INSERT INTO idempotency_keys (partner_id, user_id, idempotency_key, fingerprint, operations, state, created_at, lease_until, expires_at) ' +
          "VALUES (?, ?, ?, ?, ?, 'IN_PROGRESS', ?, ?, ?)",
        [owner.partnerId, owner.userId, key, request.fingerprint, request.operations.join(','), at(0), at(LEASE_MS), at(this.config.ttlMs)],
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Takes over a claim whose process stopped without finishing; only one taker wins. */
  private async takeOver(owner: KeyOwner, key: string, now: Date): Promise<boolean> {
    const changed = await this.db.execute(
      'UPDATE idempotency_keys SET lease_until = ? WHERE partner_id = ? AND user_id = ? AND idempotency_key = ? AND state = ? AND lease_until <= ?',
      [instantParam(this.db.dialect, new Date(now.getTime() + LEASE_MS)), owner.partnerId, owner.userId, key, 'IN_PROGRESS', instantParam(this.db.dialect, now)],
    );
    return changed === 1;
  }

  private async find(owner: KeyOwner, key: string): Promise<KeyRow | undefined> {
    const [row] = await this.db.query<KeyRow>(
      'SELECT fingerprint, operations, state, response_status, response_content_type, response_body, lease_until, expires_at ' +
        'FROM idempotency_keys WHERE partner_id = ? AND user_id = ? AND idempotency_key = ?',
      [owner.partnerId, owner.userId, key],
    );
    return row;
  }

  private async complete(owner: KeyOwner, key: string, result: HttpResult): Promise<void> {
    await this.db.query(
      "UPDATE idempotency_keys SET state = 'COMPLETED', response_status = ?, response_content_type = ?, response_body = ? " +
        'WHERE partner_id = ? AND user_id = ? AND idempotency_key = ?',
      [result.status, result.headers['content-type'] ?? null, result.body, owner.partnerId, owner.userId, key],
    );
  }

  private async release(owner: KeyOwner, key: string): Promise<void> {
    await this.db.query("DELETE FROM idempotency_keys WHERE partner_id = ? AND user_id = ? AND idempotency_key = ? AND state = 'IN_PROGRESS'", [
      owner.partnerId,
      owner.userId,
      key,
    ]);
  }
}

const operationsOf = (row: KeyRow): string[] => (row.operations ? row.operations.split(',') : []);

function stored(row: KeyRow): HttpResult {
  return {
    status: Number(row.response_status),
    headers: row.response_content_type ? { 'content-type': row.response_content_type } : {},
    body: row.response_body ?? '',
  };
}
