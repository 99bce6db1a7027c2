// The entry of a workload worker (a module Web Worker): one component instance per worker.
// The work is src/runtime/worker-runtime.ts; this entry supplies the worker's message port,
// jco's glue imported from a Blob URL, and WASI from the browser provider. build.mjs
// bundles it as workload-worker.js; the core modules arrive compiled (WebAssembly.Module
// is cloneable to a worker of the same agent cluster).
import type { GlueModule } from '../src/ports/artifact-cache.js';
import type { HostToWorker, WorkerToHost } from '../src/runtime/isolate-protocol.js';
import { runWorkloadWorker, sandboxedWasi } from '../src/runtime/worker-runtime.js';
import { createBrowserWasiProvider } from './wasi-provider.js';

/** The dedicated worker's global scope (typed here: the DOM lib has no worker scope). */
const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HostToWorker>) => void): void;
};

runWorkloadWorker({
  post: (message: WorkerToHost) => scope.postMessage(message),
  onMessage: (listener) => scope.addEventListener('message', (event) => listener(event.data)),
  loadGlue: importGlue,
  wasiImports: async (init) => sandboxedWasi(createBrowserWasiProvider({ args: init.wasi?.sandbox.args }), init),
  // No heap figure: nothing here tells this worker's heap alone. measureUserAgentSpecificMemory
  // is not offered in a dedicated worker; the page's call attributes memory by worker URL, and
  // every workload worker has the same one (and it answers only after a garbage collection).
});

/** Imports the glue from a Blob URL (the glue has no imports of its own). */
async function importGlue(source: string, _name: string, digest: string): Promise<GlueModule> {
  const blob = new Blob([`${source}\n//# sourceURL=wasmhost-glue-${digest.slice(7, 19)}.js`], { type: 'text/javascript' });
  const url = URL.createObjectURL(blob);
  try {
    return (await import(url)) as GlueModule;
  } finally {
    URL.revokeObjectURL(url);
  }
}
