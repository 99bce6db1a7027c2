// The per-server limits of an HTTP workload and what a failed request answers, decided once for
// every host (pure; the Node listener in host-node/http-listener.ts applies them).
import { WasmhostError } from '../errors.js';
import type { HttpResponseData } from './http-types.js';

/** Limits of one HTTP workload. */
export interface HttpLimits {
  /** A request body past this is refused with 413 while it streams in (default 1 MiB). */
  maxBodyBytes: number;
  /** How long one request may run in the handler; past it the instance is stopped and restarts (504). Default 10 s. */
  deadlineMs: number;
  /**
   * Requests admitted at once, the running one included (default 16). One instance runs one
   * request at a time (a WASI 0.2 handler is synchronous and an instance is not re-entrant),
   * so the others wait in order in a bounded queue; past it the request gets 503 at once, so a
   * flood costs no memory and the waiting time stays bounded. A pool of instances would
   * multiply the memory per workload; it is left out on purpose.
   */
  maxConcurrent: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { maxBodyBytes: 2 ** 20, deadlineMs: 10_000, maxConcurrent: 16 };

/** A plain-text answer. */
export function textResponse(status: number, text: string, headers: [string, string][] = []): HttpResponseData {
  return { status, headers: [['content-type', 'text/plain; charset=utf-8'], ...headers], body: new TextEncoder().encode(`${text}\n`) };
}

/** What a request whose handler call failed answers: 504 past the deadline, 503 while restarting or if it never ran, else 500. */
export function failureResponse(error: unknown): HttpResponseData {
  const reason = error instanceof WasmhostError ? (error.data as { reason?: string; restartInMs?: number; queued?: boolean } | undefined) : undefined;
  if (reason?.queued) return textResponse(503, 'the handler stopped while this request waited; retry shortly', [['retry-after', '1']]);
  if (reason?.reason === 'timeout') return textResponse(504, 'the handler did not answer within its deadline; it was stopped and restarts');
  if (reason?.reason === 'restarting' || reason?.reason === 'closed') {
    return textResponse(503, 'the handler is restarting after a failure; retry shortly', [['retry-after', String(Math.max(1, Math.ceil((reason.restartInMs ?? 1000) / 1000)))]]);
  }
  return textResponse(500, 'the handler failed (a trap); it restarts');
}
