import { Worker } from 'node:worker_threads';
import type { Isolate, IsolateWorker } from '../src/ports/isolate.js';
import type { HostToWorker, WorkerToHost } from '../src/runtime/isolate-protocol.js';
import { WasmhostError } from '../src/errors.js';

/** Options of the worker_threads isolate. */
export interface ThreadIsolateOptions {
  /** JS heap cap of each worker in MiB, unless a workload sets its own (default 64). */
  heapMb?: number;
  /** Young-generation cap of each worker in MiB (default: a quarter of its heap, 1 to 16). */
  youngMb?: number;
  /**
   * The worker entry (default: `workload-worker.js` beside this module, in dist/), or a function
   * finding it, called at the first spawn: a host that never isolates a workload never pays for it.
   */
  workerUrl?: URL | (() => URL | undefined);
  /**
   * Workers kept started and idle, so a workload starts without waiting for a thread to boot
   * and load the worker runtime (default 1; 0: none). The pool fills on the first spawn and is
   * refilled after each hand-out; idle workers do not keep the process alive.
   */
  pool?: number;
  /**
   * How long after a hand-out the pool starts its replacement (default 100 ms). A thread booting
   * at once takes a core from the start it is meant to speed up (pooled start + first call measured
   * 13.7–18.1 ms that way, 8.4–9.9 ms with the replacement 100 ms later; `npm run bench -- worker-start`).
   */
  refillDelayMs?: number;
  /**
   * The nice value (Linux, where it is per thread) a `background` worker's thread lowers itself
   * to before it loads anything, so a crash-looping workload's starts and runs take only the CPU
   * the host thread and healthy workloads leave (default 19; 0: never lowered).
   */
  backgroundNice?: number;
}

const DEFAULT_HEAP_MB = 64;
const DEFAULT_BACKGROUND_NICE = 19;
const DEFAULT_REFILL_DELAY_MS = 100;

/**
 * The worker script of a background worker: its thread lowers its own priority (Linux applies
 * `setpriority` to the calling thread only; a process could not raise it back without
 * privilege, which is why pooled workers, handed to healthy workloads, never do this), then loads the entry.
 */
function backgroundScript(url: URL, nice: number): string {
  return `try { require('node:os').setPriority(${nice}); } catch {}\nimport(${JSON.stringify(url.href)});`;
}

/** The worker entry built by `npm run build`; from the TypeScript sources (tests), the one in dist/. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/host-node/workload-worker.js', here) : new URL('./workload-worker.js', here);
}

/** A started worker and where its end is reported once it belongs to a workload. */
interface Started { name: string; worker: Worker; ended: boolean; onEnd?: (error: WasmhostError) => void }

/** The isolate of worker_threads, with its pool of idle workers; `close` stops the idle ones. */
export interface ThreadIsolate extends Isolate {
  /** Idle workers waiting in the pool now. */
  readonly idle: number;
  close(): Promise<void>;
}

/** Runs each workload instance in its own `worker_threads` worker with a JS heap limit. */
export function createThreadIsolate(options: ThreadIsolateOptions = {}): ThreadIsolate {
  let resolved: URL | undefined;
  const workerUrl = () => (resolved ??= (typeof options.workerUrl === 'function' ? options.workerUrl() : options.workerUrl) ?? defaultWorkerUrl());
  const defaultHeap = options.heapMb ?? DEFAULT_HEAP_MB;
  const poolSize = options.pool ?? 1;
  const refillDelayMs = options.refillDelayMs ?? DEFAULT_REFILL_DELAY_MS;
  // Elsewhere `setpriority` on "this process" would lower the host thread too.
  const backgroundNice = process.platform === 'linux' ? options.backgroundNice ?? DEFAULT_BACKGROUND_NICE : 0;
  const idle: Started[] = [];
  let closed = false;
  let refillTimer: ReturnType<typeof setTimeout> | undefined;

  function start(name: string, heap: number, background = false): Started {
    const workerOptions = {
      name: `wasmhost ${name}`,
      resourceLimits: { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: options.youngMb ?? Math.max(1, Math.min(16, Math.floor(heap / 4))) },
    };
    const lowered = background && backgroundNice > 0;
    const url = workerUrl();
    const worker = lowered ? new Worker(backgroundScript(url, backgroundNice), { ...workerOptions, eval: true }) : new Worker(url, workerOptions);
    const started: Started = { name, worker, ended: false };
    const end = (error: WasmhostError) => {
      if (started.ended) return;
      started.ended = true;
      const at = idle.indexOf(started);
      if (at >= 0) idle.splice(at, 1);
      started.onEnd?.(error);
    };
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        end(new WasmhostError('trap', `${started.name} ran out of JS heap (limit ${heap} MiB); its worker was stopped`, { cause: error, data: { reason: 'out-of-memory', heapMb: heap } }));
      } else {
        end(new WasmhostError('trap', `the worker of ${started.name} failed: ${error.message}`, { cause: error, data: { reason: 'worker-exit' } }));
      }
    });
    worker.on('exit', (code) => end(new WasmhostError('trap', `the worker of ${started.name} exited (code ${code})`, { data: { reason: 'worker-exit', exitCode: code } })));
    return started;
  }

  function refill(): void {
    refillTimer = undefined;
    while (!closed && idle.length < poolSize) {
      const started = start('(idle)', defaultHeap);
      started.worker.unref();
      idle.push(started);
    }
  }

  return {
    get idle() { return idle.length; },
    spawn({ name, heapMb, priority }): IsolateWorker {
      const heap = heapMb ?? defaultHeap;
      // A background start boots its own lowered thread and leaves the pool to first starts.
      const background = priority === 'background';
      const pooled = heap === defaultHeap && !background ? idle.shift() : undefined;
      const started = pooled ?? start(name, heap, background);
      started.name = name;
      started.worker.ref();
      // Filled at once when empty (the first spawn), otherwise replaced a little later; never in this turn.
      if (poolSize > 0 && !background && !refillTimer) {
        refillTimer = setTimeout(refill, pooled ? refillDelayMs : 0);
        refillTimer.unref();
      }
      const exitListeners: ((error: WasmhostError) => void)[] = [];
      started.onEnd = (error) => {
        for (const listener of exitListeners) listener(error);
      };
      const { worker } = started;
      return {
        post: (message: HostToWorker) => worker.postMessage(message),
        onMessage: (listener: (message: WorkerToHost) => void) => void worker.on('message', listener),
        onExit: (listener) => void exitListeners.push(listener),
        async terminate() {
          started.ended = true;
          await worker.terminate();
        },
      };
    },
    async close() {
      closed = true;
      clearTimeout(refillTimer);
      await Promise.all(idle.splice(0).map((s) => ((s.ended = true), s.worker.terminate())));
    },
  };
}
