import { WasmhostError } from '../errors.js';
import type { Component } from '../component/component.js';
import type { ImportObject } from '../component/engine.js';
import type { TranspiledArtifact } from '../ports/artifact-cache.js';
import type { Isolate, IsolateWorker } from '../ports/isolate.js';
import type { Grants } from '../capabilities/grants.js';
import { forwardedInvoker } from './forwarded-call.js';
import { createResourceTable, type ResourceTable } from './resource-table.js';
import { resourceClassName } from './resource-plan.js';
import { exportedFunctions, resolveExport, type ExportedFunction } from './export-path.js';
import { canUseCallSlot, createCallSlotBuffer, createCallSlotSender, type CallSlotSender, type SlotResult } from './call-slot.js';
import { createSyncCallBuffer, serveSyncCalls, type SyncCallRequest, type SyncCallServer } from './sync-call-channel.js';
import { encodeValue } from './channel-values.js';
import { createNoteDrain, createNoteRingBuffer, type NoteDrain } from './note-ring.js';
import { createBackoffSchedule, type Backoff } from './backoff.js';
import { noopTelemetry, type Telemetry } from '../telemetry/telemetry.js';
import { startCall, traceImport, type CallMeasure } from '../telemetry/call-span.js';
import { createExchangeRegistry, HTTP_STREAM, HTTP_STREAM_FORWARD } from './http-stream.js';
import { HTTP_HANDLER } from './http-types.js';
import { compileCapped, type ModuleCache } from './module-cache.js';
import type { WorkloadMemory } from './workload-memory.js';
import { trackWorkerMemory } from './worker-memory.js';
import { errorFromJson, NOTE_FLUSH, planImports, type StopReason, type WasiSandbox, type WorkerCall, type WorkerInit, type WorkerToHost } from './isolate-protocol.js';

/** Limits of an isolated workload (the deployment's `Limits`, plus optional finer ones). */
export interface IsolationLimits {
  /** A call running longer is stopped by terminating the worker; the workload restarts. */
  callTimeoutMs: number;
  /** Cap of each core memory the component defines, in bytes. */
  memoryBytes: number;
  /** How long a blocking import may wait for the host (default `callTimeoutMs`). */
  importTimeoutMs?: number;
  /** The worker's JS heap cap in MiB (default: the isolate adapter's). */
  heapMb?: number;
  /** How long starting an instance may take (default the larger of 10 s and `callTimeoutMs`). */
  startTimeoutMs?: number;
}

export type { Backoff } from './backoff.js';

/** What an isolated workload reports about itself. */
export type IsolationEvent =
  | { type: 'started'; workload: string; ms: number; restarts: number }
  | { type: 'stopped'; workload: string; reason: StopReason; error: WasmhostError; restartInMs?: number };

/** How to run a component in its own worker. */
export interface IsolatedWorkloadOptions {
  name: string;
  isolate: Isolate;
  /** The transpiled component (glue source and core module bytes, before the memory cap). */
  artifact: TranspiledArtifact;
  /** The import object `buildImports` made on the host thread: forwarded calls run these. */
  imports: ImportObject;
  limits: IsolationLimits;
  /** The grants, for WASI's sandbox inside the worker (directories, env, network). */
  grants?: Grants;
  /** `argv` of WASI inside the worker (default `[name]`). */
  wasiArgs?: string[];
  backoff?: Partial<Backoff>;
  /** Resource handles one instance may hold at once (default DEFAULT_MAX_RESOURCES); past it, the call traps. */
  maxResources?: number;
  /** Size of the synchronous import channel's data area (default 1 MiB). */
  channelBytes?: number;
  /** Size of the ring fire-and-forget imports go through (default NOTE_RING_BYTES, 64 KiB); when full, the worker waits for the host to drain it. */
  noteRingBytes?: number;
  /** µs a blocking import polls for the answer before it sleeps (default 0; bench/isolation.ts measures 100). */
  importSpinUs?: number;
  /**
   * Send export calls through shared memory (call-slot.ts) where the platform can, instead of
   * by message (default false: on the 2-core test machine it measured no faster, see bench/isolation.ts).
   */
  callSlot?: boolean;
  /** Wait for import requests with Atomics.waitAsync (default: when the platform has it), else by a doorbell message. */
  waitAsync?: boolean;
  onEvent?: (event: IsolationEvent) => void;
  /** Calls become spans (parent: the span active when `call` is made), forwarded imports their children; calls, errors and restarts are counted. */
  telemetry?: Telemetry;
  /** Compiled modules shared with the host's other workloads of the same component (default: compiled for this one). */
  modules?: ModuleCache;
}

/** A workload running in its own worker: calls are asynchronous, a failed instance is replaced. */
export interface IsolatedWorkload {
  readonly name: string;
  readonly component: Component;
  /** `waiting` between a failure and the next start; calls are refused then. */
  readonly state: 'starting' | 'running' | 'waiting' | 'closed';
  /** How many times the instance was replaced. */
  readonly restarts: number;
  /** How many resource handles the running instance holds in the host's table (0 once its worker is gone). */
  readonly liveResources: number;
  exports(): ExportedFunction[];
  /** Calls an export (same paths and values as `Workload.call`); calls run one at a time, in order. */
  call(target: string, ...args: unknown[]): Promise<unknown>;
  /** Whether the guest's stdout ended mid-line as of the last result (a CLI prints its result after it). */
  stdoutEndsMidLine(): boolean;
  /** Its worker's last report (linear memories as of the last call, its isolate's JS heap where measured), against its cap; 0 bytes while no worker runs. */
  memory(): WorkloadMemory;
  onClose(cleanup: () => void): void;
  /** Stops the worker; later calls are refused. */
  close(): Promise<void>;
}

interface Generation {
  worker: IsolateWorker;
  server: SyncCallServer;
  /** The shared buffer export calls go through, until the worker says it serves it. */
  slotBuffer?: SharedArrayBuffer;
  /** Set once the worker serves the call slot; calls it cannot carry still go by message. */
  slot?: CallSlotSender;
  /** Messages received from the worker so far. */
  received: number;
  /** A slot result waiting for the messages the worker posted before it (notes, drops). */
  early?: SlotResult;
  /** The resources this worker's guest holds handles to; cleared when the worker goes. */
  resources: ResourceTable;
  alive: boolean;
  readyAt?: number;
  /** The ring of fire-and-forget imports the worker writes (note-ring.ts). */
  notes: NoteDrain;
  started: { resolve: () => void; reject: (e: WasmhostError) => void };
}

interface QueuedCall { path: string; args: unknown[]; resolve: (v: unknown) => void; reject: (e: unknown) => void; measure?: CallMeasure }
interface RunningCall extends QueuedCall { id: number; gen: Generation; timer: unknown }

/**
 * Starts a component in its own worker, with imports forwarded to the host thread, and
 * resolves once it is running (a first start that fails rejects). Afterwards a trap, a
 * call past `callTimeoutMs`, or a dead worker stops the instance; it restarts with backoff.
 */
export async function createIsolatedWorkload(component: Component, options: IsolatedWorkloadOptions): Promise<IsolatedWorkload> {
  const { name, limits } = options;
  const backoff = createBackoffSchedule(options.backoff);
  const plan = planImports(component.world, Object.keys(options.imports));
  // An HTTP handler's bodies stream through the host (http-stream.ts).
  const exchanges = createExchangeRegistry();
  if (component.world.exports.some((e) => e.kind === 'interface' && e.interface.name.startsWith(HTTP_HANDLER))) plan.forward.push(HTTP_STREAM_FORWARD);
  const compiled = options.modules
    ? await options.modules.acquire(options.artifact, limits.memoryBytes)
    : { modules: await compileCapped(options.artifact, limits.memoryBytes), glue: {}, release: () => {} };
  const coreModules = compiled.modules;
  const startTimeoutMs = limits.startTimeoutMs ?? Math.max(10_000, limits.callTimeoutMs);
  const cleanups: (() => void)[] = [compiled.release];
  let state: IsolatedWorkload['state'] = 'starting';
  let gen: Generation | undefined;
  const queue: QueuedCall[] = [];
  let running: RunningCall | undefined;
  let stdoutMidLine = false;
  let lastStop: WasmhostError | undefined;
  let restartAt = 0;
  let restartTimer: unknown;
  let restarts = 0;
  let everRan = false;
  // Set when an instance failed soon after its start: the next ones start as background workers.
  let crashLooping = false;
  let nextId = 0;

  const telemetry = options.telemetry ?? noopTelemetry;
  const workerMemory = trackWorkerMemory(name, limits.memoryBytes, telemetry);
  cleanups.push(workerMemory.close);
  const emit = (event: IsolationEvent) => {
    if (event.type === 'started' && event.restarts > 0) telemetry.add('wasmhost.workload.restarts', 1, { 'wasmhost.workload': name });
    options.onEvent?.(event);
  };

  const invokeBare = forwardedInvoker(name, options.imports, plan.forward);
  /** Runs a forwarded import on the host thread, as a child span of the call the worker is running. */
  function invoke(iface: string, fn: string, args: unknown[]): unknown {
    if (iface === HTTP_STREAM) return exchanges.invoke(fn, args);
    if (!telemetry.enabled) return invokeBare(iface, fn, args);
    return traceImport(telemetry, running?.measure?.span, name, `${iface}#${fn}`, () => invokeBare(iface, fn, args));
  }
  const resourceClasses = plan.resources.keys.map((key) => {
    const [iface, resource] = key.split('#') as [string, string];
    return (options.imports[iface] as Record<string, unknown> | undefined)?.[resourceClassName(resource)] as (abstract new () => object) | undefined;
  });
  /** Whether an export's arguments hold a resource of the host's (a message for incoming-handler): they cross as handles. */
  const holdsResource = (args: readonly unknown[]) => resourceClasses.some((c) => c !== undefined && args.some((a) => a instanceof c));

  /** Answers a forwarded import; synchronously when the provider does (no promise hop on the hot path). */
  function serve(g: Generation, request: SyncCallRequest): unknown {
    // Fire-and-forget calls the worker made before this one run first, as they would in-process.
    g.notes.drain();
    if (!g.alive || request.interface === NOTE_FLUSH) return undefined;
    return serveNow(g, request);
  }

  function serveNow(g: Generation, request: SyncCallRequest): unknown {
    const key = `${request.interface}#${request.function}`;
    const params = plan.resourceParams.get(key);
    if (!params) return invoke(request.interface, request.function, request.args);
    g.resources.checkParams(key, request.args, params);
    let result: unknown;
    try {
      result = invoke(request.interface, request.function, request.args);
    } catch (error) {
      g.resources.releaseOwned(request.args, params);
      throw error;
    }
    if (!result || typeof (result as { then?: unknown }).then !== 'function') {
      g.resources.releaseOwned(request.args, params);
      return result;
    }
    return Promise.resolve(result).finally(() => g.resources.releaseOwned(request.args, params));
  }

  function onMessage(g: Generation, message: WorkerToHost): void {
    if (!g.alive) return;
    g.received++;
    if ('memory' in message && message.memory) workerMemory.take(message.memory);
    // A first result may bring a fuller glue code cache (the glue that call compiled too).
    if (message.type === 'result' && message.glueCache) compiled.glue.cache = message.glueCache;
    handle(g, message);
    if (g.early) slotResult(g);
  }

  /** Delivers a slot result once the messages the worker posted before it were handled, as they would be in order. */
  function slotResult(g: Generation): void {
    const result = g.early;
    if (!result || g.received < result.messagesBefore || !g.alive) return;
    g.early = undefined;
    handle(g, { type: 'result', id: result.id, value: result.value, stdoutMidLine: result.stdoutMidLine });
  }

  function handle(g: Generation, message: WorkerToHost): void {
    switch (message.type) {
      case 'ready':
        g.notes.drain(); // lines logged while the component started
        if (!g.alive) return g.started.reject(lastStop!);
        if (message.glueCache) compiled.glue.cache = message.glueCache;
        g.readyAt = performance.now();
        if (message.callSlot && g.slotBuffer) {
          g.slot = createCallSlotSender(g.slotBuffer, (result) => {
            g.early = result;
            slotResult(g);
          });
        }
        return g.started.resolve();
      case 'drop':
        try {
          return g.resources.drop(message.handles);
        } catch (error) {
          return stop(g, 'trap', new WasmhostError('trap', `dropping a resource of ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        }
      case 'doorbell':
        return g.server.poke();
      case 'memory':
        return; // taken in onMessage
      case 'result':
        g.notes.drain(); // the call's notes come before its result, as in-process
        if (!g.alive) return;
        stdoutMidLine = message.stdoutMidLine === true;
        if (running?.id === message.id) settle(running).resolve(message.value);
        return pump();
      case 'failed': {
        g.notes.drain(); // a line logged just before a trap still arrives, before the trap
        if (!g.alive && message.id !== undefined) return;
        const error = errorFromJson(message.error);
        if (message.id === undefined) {
          g.started.reject(error);
          return stop(g, reasonOf(error), error);
        }
        if (running?.id === message.id) settle(running).reject(error);
        if (message.dead) stop(g, reasonOf(error), error);
        return pump();
      }
    }
  }

  /** Ends the running call; `resolve`/`reject` on the result also end its measure. */
  function settle(call: RunningCall): RunningCall {
    clearTimeout(call.timer);
    running = undefined;
    return call;
  }

  function spawn(): Promise<void> {
    const channel = createSyncCallBuffer(options.channelBytes);
    const notes = createNoteRingBuffer(options.noteRingBytes);
    const worker = options.isolate.spawn({ name, heapMb: limits.heapMb, priority: crashLooping ? 'background' : 'normal' });
    let started!: Generation['started'];
    const ready = new Promise<void>((resolve, reject) => (started = { resolve, reject }));
    const resources = createResourceTable(name, plan.resources, resourceClasses, options.maxResources);
    const slotBuffer = options.callSlot === true && canUseCallSlot() ? createCallSlotBuffer() : undefined;
    const g: Generation = { worker, server: undefined!, slotBuffer, received: 0, resources, alive: true, notes: undefined!, started };
    // A failing note is a trap of the call that made it; the notes after it are not run, as in-process.
    g.notes = createNoteDrain(notes, plan.forward, { name, run: invoke, fail: (error) => stop(g, 'trap', error) });
    g.server = serveSyncCalls(channel, (request) => serve(g, request), { waitAsync: options.waitAsync, resources });
    gen = g;
    worker.onMessage((message) => onMessage(g, message));
    worker.onExit((error) => {
      if (!g.alive) return;
      g.started.reject(error);
      stop(g, reasonOf(error, 'worker-exit'), error);
    });
    const timer = setTimeout(() => {
      const error = new WasmhostError('trap', `${name} did not start within ${startTimeoutMs} ms`, { data: { reason: 'timeout' } });
      g.started.reject(error);
      stop(g, 'timeout', error);
    }, startTimeoutMs);
    const init: WorkerInit = {
      type: 'init', name, digest: component.digest, world: component.world, fastPathBlocker: component.fastPathBlocker, glue: options.artifact.glue, glueCache: compiled.glue.cache, coreModules,
      forward: plan.forward, wasi: plan.wasi && { interfaces: plan.wasi, sandbox: sandbox(options) }, channel, notes, callSlot: slotBuffer,
      importTimeoutMs: limits.importTimeoutMs ?? limits.callTimeoutMs, importSpinUs: options.importSpinUs ?? 0, memoryBytes: limits.memoryBytes,
    };
    worker.post(init);
    return ready.finally(() => clearTimeout(timer));
  }

  function stop(g: Generation, reason: StopReason, error: WasmhostError): void {
    if (!g.alive) return;
    // What the worker wrote before it stopped still reaches the host (the ring outlives the worker).
    g.notes.drain();
    if (!g.alive) return;
    g.alive = false;
    workerMemory.clear();
    g.notes.close();
    g.server.close();
    g.slot?.close();
    void g.worker.terminate();
    // The guest's handles die with its worker: the host lets go of (and disposes of) their objects.
    g.resources.clear();
    if (running?.gen === g) settle(running).reject(error);
    for (const call of queue.splice(0)) call.reject(new WasmhostError('trap', `${name} stopped before it ran ${call.path}: ${error.message}`, { cause: error, data: { reason, queued: true } }));
    lastStop = error;
    // A first start that fails is the caller's error to handle; nothing restarts.
    if (state === 'closed' || reason === 'closed' || !everRan) return emit({ type: 'stopped', workload: name, reason, error });
    const wait = backoff.next(g.readyAt === undefined ? undefined : performance.now() - g.readyAt);
    crashLooping = backoff.looping;
    state = 'waiting';
    restartAt = performance.now() + wait;
    emit({ type: 'stopped', workload: name, reason, error, restartInMs: wait });
    restartTimer = setTimeout(restart, wait);
  }

  function restart(): void {
    if (state === 'closed') return;
    state = 'starting';
    const t0 = performance.now();
    spawn().then(
      () => {
        if (state !== 'starting') return;
        state = 'running';
        restarts++;
        emit({ type: 'started', workload: name, ms: performance.now() - t0, restarts });
        pump();
      },
      () => undefined, // stop() has scheduled the next attempt
    );
  }

  /** Posts a call; a worker sleeping on its call slot is woken to read it. */
  function send(g: Generation, message: WorkerCall): void {
    g.worker.post(message);
    g.slot?.wake();
  }

  function pump(): void {
    if (state !== 'running' || running || !gen?.alive || queue.length === 0) return;
    const call = queue.shift()!;
    const g = gen;
    const id = ++nextId;
    try {
      // Arguments holding resources (a message for incoming-handler) cross as handles in this worker's table.
      if (holdsResource(call.args)) send(g, { type: 'call', id, path: call.path, args: [], encoded: encodeValue(call.args, g.resources) });
      else if (!g.slot?.send(id, call.path, call.args)) send(g, { type: 'call', id, path: call.path, args: call.args });
    } catch (cause) {
      call.reject(new WasmhostError('bad-input', `the arguments of ${call.path} cannot be sent to ${name}'s worker: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }));
      return pump();
    }
    const timer = setTimeout(() => {
      const waiting = g.server.pending;
      const where = waiting ? `; it was waiting for import ${waiting.interface}#${waiting.function}` : '';
      const error = new WasmhostError('trap', `${call.path} did not return within ${limits.callTimeoutMs} ms${where}; ${name} was stopped and restarts`, {
        data: { reason: 'timeout', export: call.path, limitMs: limits.callTimeoutMs },
      });
      stop(g, 'timeout', error);
    }, limits.callTimeoutMs);
    running = { ...call, id, gen: g, timer };
    g.notes.watch(() => running?.gen === g);
  }

  const t0 = performance.now();
  try {
    await spawn();
  } catch (error) {
    state = 'closed';
    if (gen) stop(gen, 'closed', error as WasmhostError);
    compiled.release();
    workerMemory.close();
    throw error;
  }
  state = 'running';
  everRan = true;
  emit({ type: 'started', workload: name, ms: performance.now() - t0, restarts });

  return {
    name,
    component,
    get state() { return state; },
    get restarts() { return restarts; },
    get liveResources() { return gen?.alive ? gen.resources.size : 0; },
    exports: () => exportedFunctions(component.world),
    stdoutEndsMidLine: () => stdoutMidLine,
    memory: (): WorkloadMemory => workerMemory.memory(),
    call(target, ...args) {
      if (state === 'closed') return Promise.reject(new WasmhostError('trap', `${name} was closed`));
      let path: string;
      try {
        path = resolveExport(component.world, target).path;
      } catch (error) {
        return Promise.reject(error);
      }
      const measure = telemetry.enabled ? startCall(telemetry, name, path) : undefined;
      if (state === 'waiting') {
        const inMs = Math.max(0, Math.round(restartAt - performance.now()));
        const error = new WasmhostError('trap', `${name} is restarting after: ${lastStop?.message}; next start in ${inMs} ms`, { cause: lastStop, data: { reason: 'restarting', restartInMs: inMs } });
        measure?.finish(error);
        return Promise.reject(error);
      }
      const taken = path.startsWith(HTTP_HANDLER) ? exchanges.take(args) : { args, id: undefined };
      const result = new Promise((resolve, reject) => {
        if (!measure) queue.push({ path, args: taken.args, resolve, reject });
        else {
          queue.push({
            path, args: taken.args, measure,
            resolve: (value) => (measure.finish(), resolve(value)),
            reject: (error) => (measure.finish(error), reject(error)),
          });
        }
        pump();
      });
      // Only an HTTP request holds an exchange; other calls skip the extra promise hop.
      return taken.id === undefined ? result : result.finally(() => exchanges.release(taken.id));
    },
    onClose: (cleanup) => void cleanups.push(cleanup),
    async close() {
      if (state === 'closed') return;
      state = 'closed';
      clearTimeout(restartTimer);
      const g = gen;
      if (g) stop(g, 'closed', new WasmhostError('trap', `${name} was closed`, { data: { reason: 'closed' } }));
      for (const cleanup of cleanups.splice(0)) cleanup();
      await g?.worker.terminate();
    },
  };
}

function reasonOf(error: WasmhostError, fallback: StopReason = 'trap'): StopReason {
  const reason = (error.data as { reason?: StopReason } | undefined)?.reason;
  return reason ?? fallback;
}

function sandbox(options: IsolatedWorkloadOptions): WasiSandbox {
  const grants = options.grants ?? {};
  return { preopens: grants.filesystem ?? {}, env: grants.env ?? {}, args: options.wasiArgs ?? [options.name], enableNetwork: grants.network === true };
}
