/**
 * When a failed delivery is tried again: 5 s, 30 s, 2 min, 10 min, 30 min,
 * 1 h, 2 h, 4 h, then every 6 hours, counted from the previous planned
 * attempt; the last attempt is more than 24 hours after the first, and after
 * it the delivery GAVE_UP. Each planned time gets up to 10% of its interval
 * added at random, so that deliveries that failed together (an endpoint that
 * was down) do not all come back at the same second.
 */
const INTERVALS_MS = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 21_600, 21_600, 21_600].map((seconds) => seconds * 1000);

/** Offsets from the first attempt of attempts 2, 3, ...: the running sums of the intervals. */
const OFFSETS_MS = INTERVALS_MS.map((_, i) => INTERVALS_MS.slice(0, i + 1).reduce((sum, ms) => sum + ms, 0));

/** Attempts in all, the first included. */
export const MAX_ATTEMPTS = OFFSETS_MS.length + 1;

const JITTER = 0.1;

/**
 * The time of the next attempt after `attempts` attempts (1 after the first)
 * of a delivery first attempted at `firstAttemptAt`, or null when none is
 * left (GAVE_UP). `random` in [0, 1) picks the jitter. The times depend only on
 * the first attempt, so a late worker does not push later attempts back; a
 * time already past means "now".
 */
export function nextAttemptAt(attempts: number, firstAttemptAt: Date, random: () => number = Math.random): Date | null {
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be a whole number of at least 1, got ${attempts}`);
  if (attempts >= MAX_ATTEMPTS) return null;
  const jitter = Math.floor(random() * JITTER * INTERVALS_MS[attempts - 1]);
  return new Date(firstAttemptAt.getTime() + OFFSETS_MS[attempts - 1] + jitter);
}
