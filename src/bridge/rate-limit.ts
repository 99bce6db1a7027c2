/** Per-key token buckets: `take(key)` is false once a key spends its burst faster than `perSecond` refills it. */
export interface RateLimiter {
  take(key: string): boolean;
  /** Frames refused per key since the last call, and resets the counts (for one log line per flood). */
  drainRefused(): Map<string, number>;
}

/**
 * A flood from one peer spends only that peer's bucket, so the others keep being served.
 * Buckets refill continuously at `perSecond` up to `burst`.
 */
export function createRateLimiter(perSecond: number, burst: number, now: () => number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let refused = new Map<string, number>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return true;
      }
      refused.set(key, (refused.get(key) ?? 0) + 1);
      return false;
    },
    drainRefused() {
      const out = refused;
      refused = new Map();
      return out;
    },
  };
}
