import type { Isolate, IsolateWorker } from '../src/ports/isolate.js';
import type { HostToWorker, WorkerToHost } from '../src/runtime/isolate-protocol.js';
import { WasmhostError } from '../src/errors.js';

/** Options of the Web Worker isolate. */
export interface WebWorkerIsolateOptions {
  /** The bundled worker entry, `workload-worker.js` (host-browser/build.mjs puts it beside the page's bundle). */
  workerUrl: URL | string;
}

/**
 * Runs each workload instance in its own module Web Worker. The page must be cross-origin
 * isolated (COOP/COEP), or SharedArrayBuffer, which blocking imports need, is missing.
 *
 * Browsers have no per-worker JS heap cap, so `heapMb` is ignored: a worker that fills its
 * JS heap takes the tab's renderer with it. Wasm linear memory, where a component's data
 * lives, is capped by the core (the memory maximum is compiled into each core module).
 */
export function createWebWorkerIsolate(options: WebWorkerIsolateOptions): Isolate {
  const url = options.workerUrl;
  return {
    spawn({ name }): IsolateWorker {
      const worker = new Worker(url, { type: 'module', name: `wasmhost ${name}` });
      const exitListeners: ((error: WasmhostError) => void)[] = [];
      let ended = false;
      const end = (error: WasmhostError) => {
        if (ended) return;
        ended = true;
        // A browser worker keeps running after an uncaught error, in an unknown state; stop it.
        worker.terminate();
        for (const listener of exitListeners) listener(error);
      };
      worker.addEventListener('error', (event: Event) => {
        event.preventDefault(); // reported here, not as an uncaught error of the page
        end(workerError(name, url, event));
      });
      worker.addEventListener('messageerror', () => {
        end(new WasmhostError('trap', `a message from the worker of ${name} could not be received (it did not survive structured cloning); its worker was stopped`, { data: { reason: 'worker-exit' } }));
      });
      return {
        post: (message: HostToWorker) => worker.postMessage(message),
        onMessage: (listener: (message: WorkerToHost) => void) => worker.addEventListener('message', (event: MessageEvent<WorkerToHost>) => listener(event.data)),
        onExit: (listener) => void exitListeners.push(listener),
        async terminate() {
          ended = true;
          worker.terminate();
        },
      };
    },
  };
}

/** An `error` event of a worker: an uncaught error in it (an ErrorEvent with a message), or its script failing to load (a bare Event). */
function workerError(name: string, url: URL | string, event: Event): WasmhostError {
  const e = event as Partial<ErrorEvent>;
  if (e.message) {
    const where = e.filename ? ` (${e.filename}:${e.lineno}:${e.colno})` : '';
    return new WasmhostError('trap', `the worker of ${name} failed: ${e.message}${where}; its worker was stopped`, { cause: e.error, data: { reason: 'worker-exit' } });
  }
  const message = `the worker of ${name} could not start: loading ${String(url)} failed. Check that it serves the bundled workload-worker.js as JavaScript, from the page's origin, with the page's Cross-Origin-Embedder-Policy`;
  return new WasmhostError('trap', message, { data: { reason: 'worker-exit', workerUrl: String(url) } });
}
