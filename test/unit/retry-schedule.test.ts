import fc from 'fast-check';
import { MAX_ATTEMPTS, nextAttemptAt } from '../../src/notifications/retry-schedule';

const FIRST = new Date('2026-11-20T10:00:00.000Z');
const HOUR = 3_600_000;

/** Every attempt's time, the first included, with the jitter `random` picks. */
function schedule(random: () => number, first = FIRST): Date[] {
  const times = [first];
  for (let attempts = 1; ; attempts++) {
    const next = nextAttemptAt(attempts, first, random);
    if (!next) return times;
    times.push(next);
  }
}

describe('the retry schedule', () => {
  it('retries after 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then every 6 h (without jitter)', () => {
    const gaps = schedule(() => 0).map((at, i, all) => (i === 0 ? 0 : (at.getTime() - all[i - 1].getTime()) / 1000)).slice(1);
    expect(gaps).toEqual([5, 30, 120, 600, 1800, 3600, 7200, 14_400, 21_600, 21_600, 21_600]);
    expect(MAX_ATTEMPTS).toBe(12);
  });

  it('makes its last attempt at least 24 hours after the first, whatever the jitter, then gives up', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: MAX_ATTEMPTS, maxLength: MAX_ATTEMPTS }), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01') }), (randoms, first) => {
        let i = 0;
        const times = schedule(() => randoms[i++], first);
        expect(times).toHaveLength(MAX_ATTEMPTS);
        expect(times[times.length - 1].getTime() - first.getTime()).toBeGreaterThanOrEqual(24 * HOUR);
        // Strictly later each time, and no gap wider than the 6 hours (plus jitter) the schedule promises.
        for (let k = 1; k < times.length; k++) {
          expect(times[k].getTime()).toBeGreaterThan(times[k - 1].getTime());
          expect(times[k].getTime() - times[k - 1].getTime()).toBeLessThanOrEqual(6.6 * HOUR);
        }
        expect(nextAttemptAt(MAX_ATTEMPTS, first, () => 0.5)).toBeNull();
      }),
    );
  });

  it('adds at most 10% of the interval as jitter, so deliveries that failed together spread out', () => {
    expect(nextAttemptAt(6, FIRST, () => 0)!.getTime() - FIRST.getTime()).toBe(6155_000);
    expect(nextAttemptAt(6, FIRST, () => 0.999999)!.getTime() - FIRST.getTime()).toBe(6155_000 + 359_999);
    const spread = new Set(Array.from({ length: 50 }, () => nextAttemptAt(6, FIRST)!.getTime()));
    expect(spread.size).toBeGreaterThan(40);
  });

  it('depends only on the first attempt and the count: a late attempt does not push the next ones back', () => {
    expect(nextAttemptAt(3, FIRST, () => 0)).toEqual(new Date(FIRST.getTime() + 155_000));
  });

  it('refuses an attempt count below 1 or not whole', () => {
    for (const attempts of [0, -1, 1.5, Number.NaN]) expect(() => nextAttemptAt(attempts, FIRST)).toThrow(RangeError);
  });
});
