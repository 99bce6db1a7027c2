import { Worker } from 'node:worker_threads';
import type { Isolate, IsolateWorker } from '../src/ports/isolate.js';
import type { HostToWorker, WorkerToHost } from '../src/runtime/isolate-protocol.js';
import { WasmhostError } from '../src/errors.js';

/** Options of the worker_threads isolate. */
export interface ThreadIsolateOptions {
  /** JS heap cap of each worker in MiB, unless a workload sets its own (default 64). */
  heapMb?: number;
  /** The worker entry (default: `workload-worker.js` beside this module, in dist/). */
  workerUrl?: URL;
}

const DEFAULT_HEAP_MB = 64;

/** The worker entry built by `npm run build`; from the TypeScript sources (tests), the one in dist/. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/host-node/workload-worker.js', here) : new URL('./workload-worker.js', here);
}

/** Runs each workload instance in its own `worker_threads` worker with a JS heap limit. */
export function createThreadIsolate(options: ThreadIsolateOptions = {}): Isolate {
  const url = options.workerUrl ?? defaultWorkerUrl();
  return {
    spawn({ name, heapMb }): IsolateWorker {
      const heap = heapMb ?? options.heapMb ?? DEFAULT_HEAP_MB;
      const worker = new Worker(url, {
        name: `wasmhost ${name}`,
        resourceLimits: { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: Math.max(1, Math.min(16, Math.floor(heap / 4))) },
      });
      const exitListeners: ((error: WasmhostError) => void)[] = [];
      let ended = false;
      const end = (error: WasmhostError) => {
        if (ended) return;
        ended = true;
        for (const listener of exitListeners) listener(error);
      };
      worker.on('error', (error: Error & { code?: string }) => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          end(new WasmhostError('trap', `${name} ran out of JS heap (limit ${heap} MiB); its worker was stopped`, { cause: error, data: { reason: 'out-of-memory', heapMb: heap } }));
        } else {
          end(new WasmhostError('trap', `the worker of ${name} failed: ${error.message}`, { cause: error, data: { reason: 'worker-exit' } }));
        }
      });
      worker.on('exit', (code) => end(new WasmhostError('trap', `the worker of ${name} exited (code ${code})`, { data: { reason: 'worker-exit', exitCode: code } })));
      return {
        post: (message: HostToWorker) => worker.postMessage(message),
        onMessage: (listener: (message: WorkerToHost) => void) => void worker.on('message', listener),
        onExit: (listener) => void exitListeners.push(listener),
        async terminate() {
          ended = true;
          await worker.terminate();
        },
      };
    },
  };
}
