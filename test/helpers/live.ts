import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StatusChangeMessage } from '../../src/notifications/live-updates';

/** The Redis the tests use; .ci/run starts one on this address when none answers. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Channels of their own for each test run, so that runs sharing the Redis server do not hear each other. */
export const testChannelPrefix = () => `mca-test:${randomUUID()}:`;

/** Waits until `done()` holds, checking every 5 ms, for up to `ms`. */
export async function until(done: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not done within ${ms} ms`);
    await sleep(5);
  }
}

let sequence = 0;

/** A status change of `partnerId`'s customer, ACCEPTED now. */
export function statusChange(partnerId: string, customerId = 'c-1', overrides: Partial<StatusChangeMessage> = {}): StatusChangeMessage {
  return {
    partnerId,
    customerId,
    agreementType: 'MICROSOFT_CUSTOMER_AGREEMENT',
    previous: 'NOT_ACCEPTED',
    status: 'ACCEPTED',
    reason: 'ACCEPTANCE_RECORDED',
    at: new Date(Date.UTC(2026, 10, 20, 10, 0, 0, sequence++ % 1000)).toISOString(),
    ...overrides,
  };
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
