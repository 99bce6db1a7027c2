// The entry of a workload worker (worker_threads): one component instance per worker.
// It waits for `init`, builds the import object (forwarders to the host thread, WASI
// from preview2-shim locally), instantiates jco's glue, then answers `call` messages
// one at a time. Protocol: src/runtime/isolate-protocol.ts.
import { parentPort } from 'node:worker_threads';
import { Script } from 'node:vm';
import type { GlueModule } from '../src/ports/artifact-cache.js';
import type { CoreInstance, ImportObject } from '../src/component/engine.js';
import { WASM_PAGE } from '../src/component/limit-memory.js';
import { WasmhostError } from '../src/errors.js';
import { createWorkload, type Workload } from '../src/runtime/workload.js';
import { errorToJson, type HostToWorker, type WorkerCall, type WorkerInit, type WorkerToHost } from '../src/runtime/isolate-protocol.js';
import { createSyncCallClient, forwardingImports } from '../src/runtime/sync-call-channel.js';
import { glueAsScript } from './glue-script.js';

const port = parentPort;
if (!port) throw new Error('workload-worker.js runs as a worker_threads worker');
const post = (message: WorkerToHost) => port.postMessage(message);

let workload: Workload | undefined;
let memories: WebAssembly.Memory[] = [];
let memoryBytes = 0;

port.on('message', (message: HostToWorker) => {
  if (message.type === 'init') void init(message);
  else call(message);
});

async function init(m: WorkerInit): Promise<void> {
  const t0 = performance.now();
  try {
    memoryBytes = m.memoryBytes;
    const client = createSyncCallClient(m.channel, { timeoutMs: m.importTimeoutMs, spinUs: m.importSpinUs, post });
    const imports: ImportObject = forwardingImports(m.forward, client);
    if (m.wasi) Object.assign(imports, await wasiImports(m));
    const glue = loadGlue(m.glue, m.name) ?? (await importGlue(m.glue, m.digest));
    const coreInstances: CoreInstance[] = [];
    const exports = await glue.instantiate(
      (file) => m.coreModules[file] ?? Promise.reject(new WasmhostError('cache-corrupt', `artifact ${m.digest} has no core module ${file}`)),
      imports,
      async (module, coreImports) => {
        const instance = await WebAssembly.instantiate(module, coreImports);
        coreInstances.push({ module, instance });
        return instance;
      },
    );
    memories = coreInstances.flatMap(({ instance }) => Object.values(instance.exports).filter((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory));
    const component = { bytes: new Uint8Array(0), digest: m.digest, size: 0, world: m.world };
    // fast-call.ts calls core exports directly; an import called under such a call leaves a
    // jco task behind each time (calls slow down and memory grows), so only import-free
    // components use it.
    const fastCalls = !m.world.imports.some((i) => i.kind === 'function' || (i.kind === 'interface' && i.interface.functions.length > 0));
    workload = createWorkload(component, { exports, coreInstances }, { name: m.name, fastCalls });
    post({ type: 'ready', ms: performance.now() - t0 });
  } catch (error) {
    post({ type: 'failed', error: errorToJson(error), dead: true });
  }
}

function call(m: WorkerCall): void {
  if (!workload) return post({ type: 'failed', id: m.id, error: { code: 'trap', message: 'the worker has no instance' }, dead: true });
  let value: unknown;
  try {
    value = workload.call(m.path, ...m.args);
  } catch (error) {
    return post({ type: 'failed', id: m.id, error: errorToJson(workload.dead ? explainTrap(m.path, error) : error), dead: workload.dead });
  }
  try {
    post({ type: 'result', id: m.id, value });
  } catch (error) {
    const message = `the result of ${m.path} cannot be sent to the host thread: ${(error as Error).message}`;
    post({ type: 'failed', id: m.id, error: { code: 'unsupported', message }, dead: false });
  }
}

/** Names the export in a trap raised by an import, and reports a trap with memory at its cap as running out of memory. */
function explainTrap(path: string, error: unknown): unknown {
  if (error instanceof WasmhostError && error.code === 'trap' && !error.message.startsWith(path)) {
    error = new WasmhostError('trap', `${path} trapped: ${error.message}`, { cause: error, data: { ...(error.data as object | undefined), export: path } });
  }
  const full = memories.find((mem) => mem.buffer.byteLength + Math.max(WASM_PAGE, memoryBytes / 8) > memoryBytes);
  const v8Limit = error instanceof Error && /maximum memory size|out of memory/i.test(error.message);
  if (!full && !v8Limit) return error;
  const base = error instanceof Error ? error.message : String(error);
  const used = full ? `its linear memory is at ${mib(full.buffer.byteLength)} of its ${mib(memoryBytes)} limit` : `it hit the memory limit of ${mib(memoryBytes)}`;
  const data = { ...((error as WasmhostError).data as object | undefined), reason: 'out-of-memory', memoryBytes };
  return new WasmhostError('trap', `${base} (out of memory: ${used})`, { cause: error, data });
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

/** WASI from the same provider the host uses in-process, with the grants' sandbox; loaded only when imported. */
async function wasiImports(m: WorkerInit): Promise<ImportObject> {
  const { createWasiProvider } = await import('./wasi-provider.js');
  const { preopens, env, args, enableNetwork } = m.wasi!.sandbox;
  const grants = { filesystem: preopens, env, network: enableNetwork };
  const all = createWasiProvider({ args }).create({ workload: m.name, config: {}, grants, log: () => {} });
  return Object.fromEntries(m.wasi!.interfaces.map((key) => [key, all[key]]));
}

/** jco's glue as a classic script (fast, see glue-script.ts), or undefined if its shape is unexpected. */
function loadGlue(source: string, name: string): GlueModule | undefined {
  const code = glueAsScript(source);
  return code === undefined ? undefined : (new Script(code, { filename: `wasmhost-glue-${name}.js` }).runInThisContext() as GlueModule);
}

function importGlue(source: string, digest: string): Promise<GlueModule> {
  const url = `data:text/javascript,${encodeURIComponent(`${source}\n//# sourceURL=wasmhost-glue-${digest.slice(7, 19)}.js`)}`;
  return import(url) as Promise<GlueModule>;
}
