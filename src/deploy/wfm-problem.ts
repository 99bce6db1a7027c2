// Margo rc.3 error answers: RFC 9457 problem details (`application/problem+json`) with
// Margo's `retryable`, `retryAfterSeconds`, `backoffStrategy` and `errors`, and the
// `Retry-After` header (authoritative over `retryAfterSeconds`). Pure: no I/O, no timers.
import type { HttpResponse } from '../ports/http-client.js';

/** Margo's recommended way to retry. */
export type BackoffStrategy = 'none' | 'fixed' | 'exponential';

/** What a non-2xx answer said, read leniently: every field is optional on the wire. */
export interface WfmProblem {
  status: number;
  type?: string;
  title?: string;
  detail?: string;
  /** Absent when the server did not say; see `mayRetry`. */
  retryable?: boolean;
  /** From `Retry-After` (seconds or an HTTP date) or else `retryAfterSeconds`, in ms. */
  retryAfterMs?: number;
  backoffStrategy?: BackoffStrategy;
  /** Field-level validation errors (422). */
  errors: { field?: string; message?: string }[];
}

/** The longest wait a server may ask for (a day); a longer one is capped. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** Reads a problem from any non-2xx response; a body that is not problem JSON still gives `status`. */
export function readProblem(res: HttpResponse, nowMs: number): WfmProblem {
  const problem: WfmProblem = { status: res.status, errors: [] };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(res.body));
  } catch { /* not JSON: status and headers only */ }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const j = json as Record<string, unknown>;
    for (const key of ['type', 'title', 'detail'] as const) if (typeof j[key] === 'string') problem[key] = (j[key] as string).slice(0, 300);
    // A server that does not speak RFC 9457 may still say why in `error` or `message`.
    const said = [j.error, j.message].find((v) => typeof v === 'string') as string | undefined;
    if (problem.detail === undefined && said !== undefined) problem.detail = said.slice(0, 300);
    if (typeof j.retryable === 'boolean') problem.retryable = j.retryable;
    if (['none', 'fixed', 'exponential'].includes(j.backoffStrategy as string)) problem.backoffStrategy = j.backoffStrategy as BackoffStrategy;
    if (Number.isSafeInteger(j.retryAfterSeconds) && (j.retryAfterSeconds as number) >= 0) problem.retryAfterMs = (j.retryAfterSeconds as number) * 1000;
    if (Array.isArray(j.errors)) {
      problem.errors = j.errors.slice(0, 20).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
        .map((e) => ({ field: typeof e.field === 'string' ? e.field.slice(0, 200) : undefined, message: typeof e.message === 'string' ? e.message.slice(0, 300) : undefined }));
    }
  }
  const header = retryAfterHeader(res.headers['retry-after'], nowMs);
  if (header !== undefined) problem.retryAfterMs = header;
  if (problem.retryAfterMs !== undefined) problem.retryAfterMs = Math.min(problem.retryAfterMs, MAX_RETRY_AFTER_MS);
  return problem;
}

/** RFC 9110 `Retry-After`: delay-seconds or an HTTP-date; anything else is ignored. */
export function retryAfterHeader(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) || !/[A-Za-z]/.test(text) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Whether the same request may be sent again: the server's `retryable` (and `backoffStrategy:
 * none`) wins; without them, 408, 425, 429 and 5xx are retried, other 4xx are not (a 400, 403,
 * 406 or 422 would only be refused again).
 */
export function mayRetry(problem: WfmProblem): boolean {
  if (problem.backoffStrategy === 'none') return false;
  if (problem.retryable !== undefined) return problem.retryable;
  return [408, 425, 429].includes(problem.status) || problem.status >= 500;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 406: 'Not Acceptable', 409: 'Conflict', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** A one-line account of a problem for logs and error messages. */
export function describeProblem(problem: WfmProblem): string {
  const title = problem.title ?? REASONS[problem.status];
  const parts = [`${problem.status}${title ? ` ${title}` : ''}`];
  if (problem.detail) parts.push(problem.detail);
  const fields = problem.errors.filter((e) => e.field || e.message).map((e) => `${e.field ?? '?'}: ${e.message ?? ''}`);
  if (fields.length) parts.push(`fields: ${fields.join('; ')}`);
  if (problem.type && !/about:blank/.test(problem.type)) parts.push(`type ${problem.type}`);
  return parts.join(': ');
}

/** How long to wait before the next attempt, and whether to make one at all. */
export interface BackoffOptions {
  /** The normal pace (the poll interval): the first retry's base without a server hint. */
  baseMs: number;
  /** Cap of the exponential growth. */
  maxMs: number;
  /** Uniform in [0, 1); jitter spreads devices that failed together (injected in tests). */
  random: () => number;
}

/**
 * The delay before attempt `failures + 1` after `failures` consecutive failures ending with
 * `problem` (undefined: no answer at all, e.g. a refused connection). Never shorter than the
 * server's Retry-After; `fixed` waits exactly that; `exponential` (and no hint) doubles from it
 * (or from `baseMs`) per failure, capped, plus up to 25 % jitter on top.
 */
export function backoffDelay(failures: number, problem: WfmProblem | undefined, options: BackoffOptions): number {
  const floor = problem?.retryAfterMs ?? 0;
  if (problem?.backoffStrategy === 'fixed' && problem.retryAfterMs !== undefined) return floor;
  const start = Math.max(problem?.retryAfterMs ?? options.baseMs, 1);
  const grown = Math.min(options.maxMs, start * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.max(floor, Math.round(grown * (1 + 0.25 * options.random())));
}
