// What a workload worker does, on any platform: wait for `init`, build the import object
// (forwarders to the host thread, WASI served locally), instantiate jco's glue, then
// answer `call` messages one at a time. The platform entries (host-node/workload-worker.ts,
// host-browser/workload-worker.ts) only supply messaging, glue loading and WASI.
// Protocol: isolate-protocol.ts.
import type { GlueModule } from '../ports/artifact-cache.js';
import type { CoreInstance, ImportObject } from '../component/engine.js';
import type { CapabilityProvider } from '../capabilities/provider.js';
import { WASM_PAGE } from '../component/limit-memory.js';
import { WasmhostError } from '../errors.js';
import { createWorkload, type Workload } from './workload.js';
import { errorToJson, OUTGOING_HANDLER, type HostToWorker, type MemoryReport, type WorkerCall, type WorkerInit, type WorkerToHost } from './isolate-protocol.js';
import { linearBytes, linearMemories } from './workload-memory.js';
import { createSyncCallClient, forwardingImports, type SyncCallClient } from './sync-call-channel.js';
import { decodeValue } from './channel-values.js';
import { createWorkerResources, type WorkerResources } from './worker-resources.js';
import { createHttpTypes, HTTP_HANDLER, type HttpRequestData, type StreamClasses } from './http-types.js';
import type { OutgoingResult } from '../capabilities/http-outgoing.js';
import { HTTP_STREAM } from './http-stream.js';
import { canUseCallSlot, serveCallSlot, type SlotOutcome } from './call-slot.js';

/** The platform pieces a workload worker runs on. */
export interface WorkerRuntimeOptions {
  /** Sends a message to the host thread. */
  post(message: WorkerToHost): void;
  /** Delivers every message from the host thread, in order. */
  onMessage(listener: (message: HostToWorker) => void): void;
  /**
   * Turns jco's glue source into a module (a classic script, a Blob URL, a data URL), using
   * `cache` where the platform has code caches; `codeCache` then makes one for other workers.
   */
  loadGlue(source: string, name: string, digest: string, cache?: Uint8Array): Promise<GlueModule & { codeCache?: () => Uint8Array | undefined }>;
  /** WASI for the interfaces in `init.wasi`, inside the sandbox it names; see `sandboxedWasi`. */
  wasiImports(init: WorkerInit): Promise<ImportObject>;
  /** Whether the guest's stdout so far ends mid-line (reported with each result). */
  stdoutEndsMidLine?: () => boolean;
  /** This worker's own JS heap in use, where the platform can tell it per worker (sampled at most once a second). */
  heapBytes?: () => number;
}

/** How often a call result may carry a fresh heap sample. */
const HEAP_SAMPLE_MS = 1000;

/** Runs one workload instance in the current worker until the host terminates it. */
export function runWorkloadWorker(options: WorkerRuntimeOptions): void {
  // Every message counts: a result answered through the call slot waits on the host for those posted before it.
  let sent = 0;
  const post = (message: WorkerToHost) => {
    sent++;
    options.post(message);
  };
  let workload: Workload | undefined;
  let memories: WebAssembly.Memory[] = [];
  let memoryBytes = 0;
  let http: ReturnType<typeof createHttpTypes> | undefined;
  let resources: WorkerResources | undefined;
  let reported: MemoryReport = { linearBytes: -1 };
  let heapAt = -Infinity;

  /** The memory report if it changed since the last one sent (or `always`): a byte-length read per memory, a heap sample once a second. */
  function memoryReport(always: boolean): MemoryReport | undefined {
    const linear = linearBytes(memories);
    const now = options.heapBytes ? performance.now() : 0;
    const sampleHeap = options.heapBytes !== undefined && now - heapAt >= HEAP_SAMPLE_MS;
    if (!always && !sampleHeap && linear === reported.linearBytes) return undefined;
    if (sampleHeap) heapAt = now;
    const heapBytes = sampleHeap ? options.heapBytes!() : reported.heapBytes;
    reported = heapBytes === undefined ? { linearBytes: linear } : { linearBytes: linear, heapBytes };
    return reported;
  }

  options.onMessage((message) => {
    if (message.type === 'init') void init(message);
    else call(message);
  });

  async function init(m: WorkerInit): Promise<void> {
    const t0 = performance.now();
    try {
      memoryBytes = m.memoryBytes;
      // Resources of forwarded interfaces stay on the host: the guest gets stand-ins holding handles.
      let client: SyncCallClient | undefined;
      const standIns = createWorkerResources(m.forward, post, () => client!);
      resources = standIns;
      client = createSyncCallClient(m.channel, {
        timeoutMs: m.importTimeoutMs, spinUs: m.importSpinUs, post, resources: standIns, beforeCall: standIns.flush, notes: { ring: m.notes, plan: m.forward },
      });
      const imports: ImportObject = forwardingImports(m.forward, client);
      for (const iface of m.forward) Object.assign(imports[iface.name] as object, standIns.classes(iface.name));
      if (m.wasi) Object.assign(imports, await options.wasiImports(m));
      // wasi:http/types is built here, around the requests the host sends and the ones the guest
      // sends out (http-types.ts); outgoing requests cross to the host as plain values.
      if (importsHttp(m)) {
        const forwarded = imports[OUTGOING_HANDLER] as { send?: (r: unknown) => unknown } | undefined;
        const clock = imports['wasi:clocks/monotonic-clock'] as { subscribeDuration?: (ns: bigint) => object } | undefined;
        http = createHttpTypes({
          streams: (imports['wasi:io/streams'] as StreamClasses | undefined) ?? { InputStream: class {}, OutputStream: class {} },
          readyPollable: clock?.subscribeDuration ? () => clock.subscribeDuration!(0n) : undefined,
          send: forwarded?.send && ((request) => forwarded.send!(request) as OutgoingResult),
          stream: { call: (fn, args) => client.call(HTTP_STREAM, fn, args), notify: (fn, args) => client.notify(HTTP_STREAM, fn, args) },
        });
        imports['wasi:http/types'] = http.types;
        if (forwarded) imports[OUTGOING_HANDLER] = http.outgoingHandler;
      }
      const glue = await options.loadGlue(m.glue, m.name, m.digest, m.glueCache);
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
      memories = linearMemories(coreInstances);
      const component = { bytes: new Uint8Array(0), digest: m.digest, size: 0, world: m.world, fastPathBlocker: m.fastPathBlocker };
      workload = createWorkload(component, { exports, coreInstances }, { name: m.name });
      const slot = m.callSlot && canUseCallSlot() ? m.callSlot : undefined;
      post({ type: 'ready', ms: performance.now() - t0, glueCache: glue.codeCache?.(), callSlot: slot !== undefined, memory: memoryReport(true)! });
      // The slot's answer has no room for the report: a changed one is posted just before it (the host handles it first).
      const slotCall = (id: number, path: string, args: unknown[]) => {
        const outcome = execute({ type: 'call', id, path, args });
        if (outcome.memory) post({ type: 'memory', memory: outcome.memory });
        return outcome;
      };
      if (slot) serveCallSlot(slot, slotCall, () => sent, standIns);
    } catch (error) {
      post({ type: 'failed', error: errorToJson(error), dead: true });
    }
  }

  function call(m: WorkerCall): void {
    execute(m).post();
  }

  /** Runs one call; the outcome answers it in the call slot or, by `post`, as a message. */
  function execute(m: WorkerCall): SlotOutcome & { memory?: MemoryReport } {
    const failed = (error: unknown, dead: boolean): SlotOutcome => ({ ok: false, post: () => post({ type: 'failed', id: m.id, error: errorToJson(error), dead }) });
    if (!workload) return failed(new WasmhostError('trap', 'the worker has no instance'), true);
    let value: unknown;
    try {
      const w = workload;
      const args = m.encoded ? (decodeValue(m.encoded, resources) as unknown[]) : m.args;
      value = http && m.path.startsWith(HTTP_HANDLER)
        ? http.serve(args[0] as HttpRequestData, (request, outparam) => w.call(m.path, request, outparam))
        : w.call(m.path, ...args);
    } catch (error) {
      resources?.flush();
      return failed(workload.dead ? explainTrap(m.path, error, memories, memoryBytes) : error, workload.dead);
    }
    resources?.flush();
    const stdoutMidLine = options.stdoutEndsMidLine?.();
    const memory = memoryReport(false);
    return {
      ok: true, value, stdoutMidLine, memory,
      post() {
        try {
          post(memory ? { type: 'result', id: m.id, value, stdoutMidLine, memory } : { type: 'result', id: m.id, value, stdoutMidLine });
        } catch (error) {
          const message = `the result of ${m.path} cannot be sent to the host thread: ${(error as Error).message}`;
          post({ type: 'failed', id: m.id, error: { code: 'unsupported', message }, dead: false });
        }
      },
    };
  }
}

/**
 * The WASI interfaces `init` asks for, from `provider` (the platform's WASI provider)
 * with the grants the host put in the sandbox: directories, environment, network.
 */
export function sandboxedWasi(provider: CapabilityProvider, init: WorkerInit): ImportObject {
  if (!init.wasi) return {};
  const { preopens, env, enableNetwork } = init.wasi.sandbox;
  const grants = { filesystem: preopens, env, network: enableNetwork };
  const all = provider.create({ workload: init.name, config: {}, grants, log: () => {} });
  return Object.fromEntries(init.wasi.interfaces.map((key) => [key, all[key]]));
}

/** Whether the component uses wasi:http (imports its types or exports a handler). */
function importsHttp(m: WorkerInit): boolean {
  return [...m.world.imports, ...m.world.exports].some((item) => item.kind === 'interface' && item.interface.name.startsWith('wasi:http/'));
}

/** Names the export in a trap raised by an import, and reports a trap with memory at its cap as running out of memory. */
function explainTrap(path: string, error: unknown, memories: WebAssembly.Memory[], memoryBytes: number): unknown {
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
