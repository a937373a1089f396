/** Buckets kept at most; the least recently used address is forgotten first (it then starts full again). */
const MAX_ADDRESSES = 10_000;

/**
 * A token bucket per client address and process, as the partners' limit
 * (src/http/rate-limit.ts) but per address: `burst` tries at once, refilled at
 * `perMinute`. Guessing links from one address is slowed to that pace.
 */
export class AddressRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: { perMinute: number; burst: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a try: 0 when allowed, else the whole seconds until the next one is. `now` is in milliseconds, monotonic. */
  take(address: string): number {
    const now = this.now();
    const perMs = this.limit.perMinute / 60_000;
    const bucket = this.buckets.get(address);
    const tokens = bucket ? Math.min(this.limit.burst, bucket.tokens + Math.max(0, now - bucket.at) * perMs) : this.limit.burst;
    const allowed = tokens >= 1;
    this.buckets.delete(address); // re-inserted last: the map stays in order of use
    this.buckets.set(address, { tokens: allowed ? tokens - 1 : tokens, at: now });
    if (this.buckets.size > MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value!);
    return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  }
}
