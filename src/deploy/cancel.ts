import type { CancelSignal } from '../ports/http-client.js';

/** A signal and the hand that fires it (the core has no AbortController type). */
export interface Canceller {
  readonly signal: CancelSignal;
  cancel(): void;
}

/** A fresh canceller; its listeners run once, when `cancel` is first called. */
export function createCanceller(): Canceller {
  const listeners = new Set<() => void>();
  let aborted = false;
  const signal: CancelSignal = {
    get aborted() { return aborted; },
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
  };
  return {
    signal,
    cancel() {
      if (aborted) return;
      aborted = true;
      for (const listener of [...listeners]) listener();
      listeners.clear();
    },
  };
}
