import { WasmhostError } from '../errors.js';
import type { Clock } from '../ports/agent-ports.js';
import { createBackoffSchedule, type Backoff } from './backoff.js';
import type { Workload } from './workload.js';
import type { WorkloadMemory } from './workload-memory.js';

/** What a restarting workload reports: an instance stopped (and when the next starts), or a new one started. */
export type RestartEvent =
  | { type: 'stopped'; workload: string; error: WasmhostError; restartInMs: number }
  | { type: 'started'; workload: string; restarts: number };

/** How to keep an in-process workload running. */
export interface RestartingWorkloadOptions {
  name: string;
  /** Times restarts (an injected clock in tests). */
  clock: Clock;
  backoff?: Partial<Backoff>;
  onEvent?: (event: RestartEvent) => void;
}

/** An in-process workload that replaces a trapped instance after a backoff delay. */
export interface RestartingWorkload {
  /** `waiting` between a trap and the next start: calls are refused then. */
  readonly state: 'running' | 'waiting' | 'closed';
  /** True once it takes no more calls (closed, or waiting for its restart). */
  readonly dead: boolean;
  /** How many times the instance was replaced. */
  readonly restarts: number;
  readonly lastError?: string;
  call(target: string, ...args: unknown[]): Promise<unknown>;
  /** The current instance's memory (0 linear bytes while waiting for a restart). */
  memory(): WorkloadMemory;
  close(): void;
}

/**
 * Runs `start()`'s instance; after a call traps, the instance is retired and a fresh one is
 * started after a backoff delay (doubling to a cap, reset after a healthy period), as isolated
 * workloads do. A restart that fails is retried with the next delay.
 */
export async function createRestartingWorkload(start: () => Promise<Workload>, options: RestartingWorkloadOptions): Promise<RestartingWorkload> {
  const { name, clock } = options;
  const backoff = createBackoffSchedule(options.backoff);
  let workload = await start();
  let startedAt: number | undefined = clock.now();
  let state: RestartingWorkload['state'] = 'running';
  let restarts = 0;
  let lastError: WasmhostError | undefined;
  let restartAt = 0;
  let cancelTimer: (() => void) | undefined;
  const closed = () => state === 'closed';

  function schedule(error: WasmhostError): void {
    state = 'waiting';
    lastError = error;
    const wait = backoff.next(startedAt === undefined ? undefined : clock.now() - startedAt);
    startedAt = undefined;
    restartAt = clock.now() + wait;
    options.onEvent?.({ type: 'stopped', workload: name, error, restartInMs: wait });
    const cancel = clock.setInterval(() => {
      cancel();
      cancelTimer = undefined;
      void restart();
    }, wait);
    cancelTimer = cancel;
  }

  async function restart(): Promise<void> {
    if (state === 'closed') return;
    let fresh: Workload;
    try {
      fresh = await start();
    } catch (error) {
      if (!closed()) schedule(asError(error, `${name} could not restart`));
      return;
    }
    if (closed()) return fresh.close();
    workload = fresh;
    startedAt = clock.now();
    restarts++;
    state = 'running';
    options.onEvent?.({ type: 'started', workload: name, restarts });
  }

  return {
    get state() { return state; },
    get dead() { return state !== 'running'; },
    get restarts() { return restarts; },
    get lastError() { return lastError?.message; },
    call(target, ...args) {
      if (state === 'closed') return Promise.reject(new WasmhostError('trap', `${name} was closed`));
      if (state === 'waiting') {
        const inMs = Math.max(0, restartAt - clock.now());
        return Promise.reject(new WasmhostError('trap', `${name} is restarting after: ${lastError?.message}; next start in ${inMs} ms`, {
          cause: lastError, data: { reason: 'restarting', restartInMs: inMs },
        }));
      }
      try {
        return Promise.resolve(workload.call(target, ...args));
      } catch (error) {
        const failure = asError(error, `${target} failed`);
        if (workload.dead) {
          workload.close();
          schedule(failure);
        }
        return Promise.reject(failure);
      }
    },
    memory: () => workload.memory(),
    close() {
      state = 'closed';
      cancelTimer?.();
      workload.close();
    },
  };
}

function asError(error: unknown, what: string): WasmhostError {
  return error instanceof WasmhostError ? error : new WasmhostError('trap', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
