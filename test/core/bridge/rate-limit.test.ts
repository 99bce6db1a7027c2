import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../src/bridge/rate-limit.js';

describe('per-peer rate limit', () => {
  it('lets a burst through, refuses a flood, refills over time, and never touches other peers', () => {
    let t = 0;
    const limiter = createRateLimiter(10, 20, () => t);
    const taken = (key: string, n: number) => Array.from({ length: n }, () => limiter.take(key)).filter(Boolean).length;
    expect(taken('flood', 100)).toBe(20);
    expect(taken('quiet', 5)).toBe(5);
    expect(limiter.drainRefused()).toEqual(new Map([['flood', 80]]));
    expect(limiter.drainRefused()).toEqual(new Map());
    t += 500; // half a second refills 5 tokens
    expect(taken('flood', 100)).toBe(5);
    t += 10_000; // never more than the burst
    expect(taken('flood', 100)).toBe(20);
  });
});
