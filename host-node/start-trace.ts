import { performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';

// Where a worker's start goes, for the bench (bench/worker-start.ts): with WASMHOST_START_TRACE
// set, a workload worker stamps each step of its start (wall-clock ms, comparable across
// threads) and sends them, after its first call, on the broadcast channel of this name.

// Evaluated before the rest of the worker's modules (the entry imports this first).
const entered = performance.timeOrigin + performance.now();

/** The broadcast channel a traced worker sends its start steps on. */
export const START_TRACE_CHANNEL = 'wasmhost-start-trace';

/** One worker's start: step name → wall-clock ms (performance.timeOrigin + now). */
export type StartSteps = Record<string, number>;

/** Stamps steps when tracing is on; `send` posts them once. A no-op otherwise. */
export interface StartTrace {
  mark(step: string): void;
  send(): void;
}

export function startTrace(): StartTrace {
  if (!process.env.WASMHOST_START_TRACE) return { mark() {}, send() {} };
  const steps: StartSteps = { entry: entered };
  let sent = false;
  return {
    mark: (step) => void (steps[step] ??= performance.timeOrigin + performance.now()),
    send() {
      if (sent) return;
      sent = true;
      const channel = new BroadcastChannel(START_TRACE_CHANNEL);
      channel.postMessage(steps);
      channel.close();
    },
  };
}
