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
export function createRateLimiter(perSecond: number, burst: number, now: () => number, maxKeys = 4096): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let refused = new Map<string, number>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      // Bounded: past maxKeys the least recently seen key is forgotten (it starts again with a full bucket).
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return true;
      }
      if (refused.has(key) || refused.size < maxKeys) refused.set(key, (refused.get(key) ?? 0) + 1);
      return false;
    },
    drainRefused() {
      const out = refused;
      refused = new Map();
      return out;
    },
  };
}

/**
 * A log that lets through `perInterval` lines of each kind per `intervalMs`, counts the rest and
 * says how many it held back with the next line of that kind after the interval (so a flood of
 * bad frames or refused connections costs a few lines, not one each).
 */
export function createLogLimiter(log: (line: string) => void, now: () => number, intervalMs = 10_000, perInterval = 5): (kind: string, line: string) => void {
  const kinds = new Map<string, { start: number; shown: number; held: number }>();
  return (kind, line) => {
    const t = now();
    let state = kinds.get(kind);
    if (!state || t - state.start >= intervalMs) {
      if (state && state.held > 0) log(`(${state.held} more "${kind}" line(s) like the above held back in ${Math.round((t - state.start) / 1000)} s)`);
      state = { start: t, shown: 0, held: 0 };
      kinds.set(kind, state);
    }
    if (state.shown < perInterval) {
      state.shown += 1;
      log(line);
    } else {
      state.held += 1;
    }
  };
}
