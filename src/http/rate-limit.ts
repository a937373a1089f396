import { GraphQLError } from 'graphql';
import { TokenBucket } from 'limiter';
import type { RateLimitConfig } from '../config';
import { ErrorCode } from '../shared/errors';

/** Too many requests from one partner, or without a valid token from one address: HTTP 429 with Retry-After. */
export class RateLimitedError extends GraphQLError {
  constructor(
    readonly retryAfterSeconds: number,
    from: string,
  ) {
    super(`Too many requests ${from}; retry in ${retryAfterSeconds} s.`, {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
      },
    });
  }
}

/**
 * One token bucket per key (a partner, a client address) and process: each
 * may burst up to `burst` requests, then `perSecond` a second, so one client
 * cannot starve the others. At most `maxKeys` buckets are kept; the one used
 * least recently goes first (a forgotten key starts with a full bucket again).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly config: RateLimitConfig,
    /** Who is refused, for the message: "from your partner". */
    private readonly from: string,
    private readonly maxKeys = Number.POSITIVE_INFINITY,
  ) {}

  /** Takes one request's token, or refuses with RATE_LIMITED. */
  take(key: string): void {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // to the end: used most recently
    } else {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket({ bucketSize: this.config.burst, tokensPerInterval: this.config.perSecond, interval: 'second' });
      bucket.content = this.config.burst; // a new bucket starts full
    }
    this.buckets.set(key, bucket);
    if (!bucket.tryRemoveTokens(1)) throw new RateLimitedError(Math.max(1, Math.ceil(bucket.getWaitTime(1) / 1000)), this.from);
  }
}
