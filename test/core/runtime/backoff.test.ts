import { describe, expect, it } from 'vitest';
import { createBackoffSchedule } from '../../../src/runtime/backoff.js';

describe('backoff schedule', () => {
  it('doubles to the cap and starts over after a healthy period', () => {
    const backoff = createBackoffSchedule({ initialMs: 100, maxMs: 1000, resetAfterMs: 5000 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next(10))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoff.next(5000)).toBe(100);
    expect(backoff.next(undefined)).toBe(200);
  });

  it('names a failure before the healthy period (or before a start) a crash loop, and one after it not', () => {
    const backoff = createBackoffSchedule({ initialMs: 100, maxMs: 1000, resetAfterMs: 5000 });
    expect(backoff.looping).toBe(false); // nothing failed yet
    backoff.next(4999);
    expect(backoff.looping).toBe(true);
    backoff.next(5000);
    expect(backoff.looping).toBe(false);
    backoff.next(undefined); // the start itself failed
    expect(backoff.looping).toBe(true);
  });
});
