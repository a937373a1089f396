import { GraphQLError } from 'graphql';
import { TokenBucket } from 'limiter';
import type { RateLimitConfig } from '../config';
import { ErrorCode } from '../shared/errors';

/** Too many requests from one partner: HTTP 429 with Retry-After. */
export class RateLimitedError extends GraphQLError {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests from your partner; retry in ${retryAfterSeconds} s.`, {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
      },
    });
  }
}

/**
 * One token bucket per partner and process: a partner may burst up to
 * `burst` requests, then `perSecond` a second, so one integration cannot
 * starve the others.
 */
export class PartnerRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly config: RateLimitConfig) {}

  /** Takes one request's token, or refuses with RATE_LIMITED. */
  take(partnerId: string): void {
    let bucket = this.buckets.get(partnerId);
    if (!bucket) {
      bucket = new TokenBucket({ bucketSize: this.config.burst, tokensPerInterval: this.config.perSecond, interval: 'second' });
      bucket.content = this.config.burst; // a new bucket starts full
      this.buckets.set(partnerId, bucket);
    }
    if (!bucket.tryRemoveTokens(1)) throw new RateLimitedError(Math.max(1, Math.ceil(bucket.getWaitTime(1) / 1000)));
  }
}
