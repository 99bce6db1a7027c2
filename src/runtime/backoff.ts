/** Restart delays after a failure: doubling from `initialMs` to `maxMs`, back to `initialMs` after `resetAfterMs` of healthy running. */
export interface Backoff { initialMs: number; maxMs: number; resetAfterMs: number }

/** The delays every workload restarts with, in-process or in a worker, unless its owner chooses others. */
export const DEFAULT_BACKOFF: Readonly<Backoff> = { initialMs: 100, maxMs: 30_000, resetAfterMs: 60_000 };

/** The next restart delay of one workload; `next` is told how long the failed instance ran. */
export interface BackoffSchedule {
  next(ranMs: number | undefined): number;
  /** Whether the failure `next` was last told of came before `resetAfterMs` of running (or before a start): a crash loop. */
  readonly looping: boolean;
}

/** Exponential backoff with a cap, reset when the instance that failed had run for `resetAfterMs`. */
export function createBackoffSchedule(policy: Partial<Backoff> = {}): BackoffSchedule {
  const { initialMs, maxMs, resetAfterMs } = { ...DEFAULT_BACKOFF, ...policy };
  let delay = initialMs;
  let looping = false;
  return {
    get looping() { return looping; },
    next(ranMs) {
      looping = ranMs === undefined || ranMs < resetAfterMs;
      if (!looping) delay = initialMs;
      const wait = delay;
      delay = Math.min(delay * 2, maxMs);
      return wait;
    },
  };
}
