import type { WasmhostError } from '../errors.js';
import type { HostToWorker, WorkerToHost } from '../runtime/isolate-protocol.js';

/**
 * Starts workers that each run one workload instance (Node `worker_threads`, browser Web
 * Workers), so a trap, an endless loop or a memory blow-up stops that workload only. The
 * adapter only moves messages and stops workers; the rules (timeouts, restarts, imports)
 * live in the core's isolated workload.
 */
export interface Isolate {
  /** Starts a fresh worker running wasmhost's workload worker; it waits for an `init` message. */
  spawn(options: IsolateSpawnOptions): IsolateWorker;
}

/** How to start one worker. */
export interface IsolateSpawnOptions {
  /** The workload's name, for thread names and errors. */
  name: string;
  /** JS heap cap in MiB, where the platform can set one (Wasm memory is capped separately). */
  heapMb?: number;
  /**
   * `background`: the worker replaces an instance that failed soon after it started (a crash
   * loop), so its start and its run yield the CPU to the host thread and to healthy workloads,
   * where the platform can lower a thread's priority (default `normal`).
   */
  priority?: 'normal' | 'background';
}

/** One worker, seen from the host thread. */
export interface IsolateWorker {
  /** Sends a message; throws if a value in it cannot be cloned. */
  post(message: HostToWorker): void;
  /** Every message from the worker, in order. */
  onMessage(listener: (message: WorkerToHost) => void): void;
  /** The worker ended on its own (crash, heap limit); not called after `terminate`. */
  onExit(listener: (error: WasmhostError) => void): void;
  /** Stops the worker at once, even inside a Wasm loop or an `Atomics.wait`. */
  terminate(): Promise<void>;
}
