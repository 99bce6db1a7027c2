// The entry of a workload worker (worker_threads): one component instance per worker.
// The work is src/runtime/worker-runtime.ts; this entry supplies the parent port, jco's
// glue as a classic script (glue-script.ts) and WASI from the Node provider.
import { startTrace } from './start-trace.js';
import { parentPort } from 'node:worker_threads';
import { Script } from 'node:vm';
import { getHeapStatistics } from 'node:v8';
import type { GlueModule } from '../src/ports/artifact-cache.js';
import type { HostToWorker, WorkerToHost } from '../src/runtime/isolate-protocol.js';
import { runWorkloadWorker, sandboxedWasi } from '../src/runtime/worker-runtime.js';
import { glueAsScript } from './glue-script.js';
import type { StdoutTail } from '../src/capabilities/stdout-tail.js';

const trace = startTrace();
trace.mark('loaded');
const port = parentPort;
let stdout: StdoutTail | undefined;
/** Makes the glue's code cache again once the first call compiled its path (sent with that result). */
let cacheAfterCall: (() => Uint8Array) | undefined;
if (!port) throw new Error('workload-worker.js runs as a worker_threads worker');

runWorkloadWorker({
  post(message: WorkerToHost) {
    if (message.type === 'result' && cacheAfterCall) {
      message.glueCache = cacheAfterCall();
      cacheAfterCall = undefined;
    }
    port.postMessage(message);
    if (message.type === 'ready') trace.mark('ready');
    else if (message.type === 'result' || message.type === 'failed') (trace.mark('answered'), trace.send());
  },
  onMessage: (listener) => void port.on('message', (message: HostToWorker) => {
    trace.mark(message.type === 'init' ? 'init' : 'call');
    listener(message);
  }),
  async loadGlue(source, name, digest, cache) {
    trace.mark('glue');
    const glue = scriptGlue(source, name, cache) ?? (await importGlue(source, digest));
    trace.mark('glue-loaded');
    return glue;
  },
  // The same provider the host uses in-process, loaded only when the component imports WASI.
  async wasiImports(init) {
    trace.mark('wasi');
    const [{ createWasiProvider }, { trackStdoutTail }] = await Promise.all([import('./wasi-provider.js'), import('../src/capabilities/stdout-tail.js')]);
    stdout = trackStdoutTail(createWasiProvider({ args: init.wasi?.sandbox.args }));
    trace.mark('wasi-loaded');
    return sandboxedWasi(stdout.provider, init);
  },
  stdoutEndsMidLine: () => stdout?.endsMidLine() ?? false,
  // Per worker: each worker_threads worker is its own V8 isolate (process.memoryUsage() would be the whole process).
  heapBytes: () => getHeapStatistics().used_heap_size,
});

/**
 * jco's glue as a classic script (fast, see glue-script.ts) compiled with the code cache the
 * host passed, if V8 accepts it; undefined if its shape is unexpected. Without a usable cache,
 * `codeCache` makes one after instantiation (holding the functions it compiled) for the next
 * worker, and the first call's result carries a fuller one: each new worker's first call then
 * runs compiled glue instead of compiling it (about half its time in bench/worker-start.ts).
 */
function scriptGlue(source: string, name: string, cachedData?: Uint8Array): (GlueModule & { codeCache?: () => Uint8Array }) | undefined {
  const code = glueAsScript(source);
  if (code === undefined) return undefined;
  const script = new Script(code, { filename: `wasmhost-glue-${name}.js`, cachedData });
  const glue = script.runInThisContext() as GlueModule;
  const used = cachedData !== undefined && !script.cachedDataRejected;
  if (used) return glue;
  cacheAfterCall = () => script.createCachedData();
  return { instantiate: glue.instantiate, codeCache: () => script.createCachedData() };
}

function importGlue(source: string, digest: string): Promise<GlueModule> {
  const url = `data:text/javascript,${encodeURIComponent(`${source}\n//# sourceURL=wasmhost-glue-${digest.slice(7, 19)}.js`)}`;
  return import(url) as Promise<GlueModule>;
}
