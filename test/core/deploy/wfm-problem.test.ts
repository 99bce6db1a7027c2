// RFC 9457 problem details as Margo rc.3 uses them, and the backoff they lead to.
import { describe, expect, it } from 'vitest';
import { backoffDelay, mayRetry, readProblem, retryAfterHeader } from '../../../src/deploy/wfm-problem.js';

const res = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  ({ status, headers, body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)) });
const NOW = Date.parse('2026-12-06T16:00:00Z');

describe('readProblem', () => {
  it('reads Margo members; the Retry-After header wins over retryAfterSeconds', () => {
    const p = readProblem(res(503, { type: 'https://docs.margo.org/specification/problem-types#x', title: 'Busy', status: 503, retryable: true, retryAfterSeconds: 30, backoffStrategy: 'exponential' }, { 'retry-after': '5' }), NOW);
    expect(p).toMatchObject({ status: 503, title: 'Busy', retryable: true, retryAfterMs: 5000, backoffStrategy: 'exponential' });
    expect(readProblem(res(429, { retryAfterSeconds: 30 }), NOW).retryAfterMs).toBe(30_000);
  });

  it('takes Retry-After as an HTTP date, ignores garbage, and caps a huge wait at a day', () => {
    expect(retryAfterHeader('Sun, 06 Dec 2026 16:00:10 GMT', NOW)).toBe(10_000);
    expect(retryAfterHeader('soon', NOW)).toBeUndefined();
    expect(retryAfterHeader('-3', NOW)).toBeUndefined();
    expect(readProblem(res(503, '', { 'retry-after': '9999999999' }), NOW).retryAfterMs).toBe(86_400_000);
  });

  it('keeps the status of a body that is not problem JSON, and ignores members of the wrong type', () => {
    expect(readProblem(res(502, '<html>bad gateway</html>'), NOW)).toEqual({ status: 502, errors: [] });
    expect(readProblem(res(500, { retryable: 'yes', backoffStrategy: 'random', retryAfterSeconds: -1 }), NOW)).toEqual({ status: 500, errors: [] });
  });
});

describe('mayRetry and backoffDelay', () => {
  it('retries 429 and 5xx by default, never 400/403/404/406/422, and follows retryable and backoffStrategy none', () => {
    expect([429, 500, 503, 400, 403, 404, 406, 422].map((status) => mayRetry({ status, errors: [] }))).toEqual([true, true, true, false, false, false, false, false]);
    expect(mayRetry({ status: 503, retryable: false, errors: [] })).toBe(false);
    expect(mayRetry({ status: 503, backoffStrategy: 'none', errors: [] })).toBe(false);
  });

  it('never waits less than Retry-After; fixed waits exactly that; jitter only adds, up to 25 %', () => {
    const o = (random: number) => ({ baseMs: 1000, maxMs: 60_000, random: () => random });
    expect(backoffDelay(1, { status: 503, retryAfterMs: 7000, backoffStrategy: 'fixed', errors: [] }, o(0.99))).toBe(7000);
    expect(backoffDelay(3, { status: 503, retryAfterMs: 2000, errors: [] }, o(0))).toBe(8000);
    expect(backoffDelay(1, undefined, o(0.999))).toBeLessThanOrEqual(1250);
    expect(backoffDelay(1, undefined, o(0.999))).toBeGreaterThan(1200);
    expect(backoffDelay(40, undefined, o(0))).toBe(60_000);
    expect(backoffDelay(1, { status: 503, retryAfterMs: 90_000, errors: [] }, o(0))).toBe(90_000);
  });
});
