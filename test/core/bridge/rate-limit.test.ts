import { describe, expect, it } from 'vitest';
import { createLogLimiter, createRateLimiter } from '../../../src/bridge/rate-limit.js';

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

  it('keeps at most maxKeys buckets: invented keys cannot grow it without bound', () => {
    const limiter = createRateLimiter(10, 1, () => 0, 100);
    for (let i = 0; i < 10_000; i++) limiter.take(`invented-${i}`);
    for (let i = 0; i < 10_000; i++) limiter.take(`invented-${i}`);
    expect(limiter.drainRefused().size).toBeLessThanOrEqual(100);
  });
});

describe('log limit', () => {
  it('lets a few lines of each kind through per interval and then says how many it held back', () => {
    let t = 0;
    const lines: string[] = [];
    const log = createLogLimiter((line) => lines.push(line), () => t, 10_000, 3);
    for (let i = 0; i < 10_000; i++) log('bad-reply', `bad reply ${i}`);
    log('other', 'another kind still gets through');
    expect(lines).toEqual(['bad reply 0', 'bad reply 1', 'bad reply 2', 'another kind still gets through']);
    t += 10_000;
    log('bad-reply', 'bad reply later');
    expect(lines.slice(4)).toEqual(['(9997 more "bad-reply" line(s) like the above held back in 10 s)', 'bad reply later']);
  });
});
