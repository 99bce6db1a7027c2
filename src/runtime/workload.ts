import { WasmhostError } from '../errors.js';
import type { Component } from '../component/component.js';
import type { EngineInstance } from '../component/engine.js';
import { bindExport, trapError, type ExportCall } from './call-export.js';
import { exportedFunctions, resolveExport, type ExportedFunction } from './export-path.js';
import { fastCall } from './fast-call.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { startCall } from '../telemetry/call-span.js';
import { HTTP_HANDLER, type HttpRequestData, type HttpServe } from './http-types.js';
import { linearBytes, linearMemories, type WorkloadMemory } from './workload-memory.js';

/** A running instance of a component, callable by export path. */
export interface Workload {
  readonly name: string;
  readonly component: Component;
  /** True once a call trapped: the instance's state can no longer be trusted, so it takes no more calls. */
  readonly dead: boolean;
  /** Every export a caller can reach. */
  exports(): ExportedFunction[];
  /** Resolves an export (`add`, `iface.func`, `pkg:ns/iface@1.0.0#func`) to a synchronous caller. */
  bind(target: string): ExportCall;
  /** Calls an export with values in wasmhost's value model (jco's, with every `result` as `{tag, val}`). */
  call(target: string, ...args: unknown[]): unknown;
  /** Its linear memories now, against its cap (no heap figure: it shares the host's). */
  memory(): WorkloadMemory;
  /** Runs `cleanup` when the workload is closed (a trigger unsubscribing, say). */
  onClose(cleanup: () => void): void;
  /** Stops the workload: later calls are refused and cleanups run once. */
  close(): void;
}

/** Options for wrapping an engine instance. */
export interface WorkloadOptions {
  name: string;
  /** Call scalar-only exports on the core instance directly (default true). */
  fastCalls?: boolean;
  /** Measures `call` (not `bind`, which stays bare for hot loops) when enabled. */
  telemetry?: Telemetry;
  /** Serves HTTP in-process: a call of the handler export with one plain request answers its plain response. */
  serveHttp?: HttpServe;
  /** The cap its linear memories were given (reported by `memory()`). */
  memoryBytes?: number;
}

/** Wraps a live engine instance: resolves exports once, guards re-entry, and retires the instance after a trap. */
export function createWorkload(component: Component, instance: EngineInstance, options: WorkloadOptions): Workload {
  const bound = new Map<string, ExportCall>();
  const cleanups: (() => void)[] = [];
  let dead: WasmhostError | undefined;
  let depth = 0;
  let closed = false;
  const memories = linearMemories(instance.coreInstances);
  const memory = (): WorkloadMemory => {
    const linear = closed ? 0 : linearBytes(memories);
    return options.memoryBytes === undefined ? { linearBytes: linear } : { linearBytes: linear, limitBytes: options.memoryBytes };
  };
  // Observed only while open: a closed workload's gauge is removed.
  const unobserve = options.telemetry?.enabled ? options.telemetry.observe('wasmhost.workload.memory', () => memory().linearBytes, { 'wasmhost.workload': options.name, 'wasmhost.memory.kind': 'linear' }) : undefined;
  if (unobserve) cleanups.push(unobserve);

  function guard(path: string, call: ExportCall): ExportCall {
    return (...args) => {
      if (dead) throw new WasmhostError('trap', `${options.name} is dead after an earlier trap (${dead.message}); restart it`);
      if (depth > 0) throw new WasmhostError('trap', `${path} was called while ${options.name} is already running a call (re-entry is not allowed)`);
      depth++;
      try {
        return call(...args);
      } catch (error) {
        const failure = trapError(path, error);
        // Anything but a refused argument unwound through Wasm frames: the instance is unsafe now.
        if (failure.code !== 'bad-input') dead = failure;
        throw failure;
      } finally {
        depth--;
      }
    };
  }

  const workload: Workload = {
    name: options.name,
    component,
    get dead() { return dead !== undefined; },
    exports: () => exportedFunctions(component.world),
    bind(target) {
      let call = bound.get(target);
      if (!call) {
        const entry = resolveExport(component.world, target);
        const fast = options.fastCalls !== false && component.fastPathBlocker === undefined;
        const direct = fast ? fastCall(entry, instance.coreInstances) : undefined;
        const exported = direct ?? bindExport(instance, entry);
        const { serveHttp } = options;
        // `handle(request)` with a plain request: the request's resources are built around it here.
        const http: ExportCall | undefined = serveHttp && entry.path.startsWith(HTTP_HANDLER)
          ? (...args) => (args.length === 1 ? serveHttp(args[0] as HttpRequestData, (r, o) => exported(r, o)) : exported(...args))
          : undefined;
        call = guard(entry.path, http ?? exported);
        bound.set(target, call);
      }
      return call;
    },
    call(target, ...args) {
      const telemetry = options.telemetry;
      if (!telemetry?.enabled) return workload.bind(target)(...args);
      const call = workload.bind(target);
      const measure = startCall(telemetry, options.name, resolveExport(component.world, target).path);
      try {
        const value = telemetry.withSpan(measure.span, () => call(...args));
        measure.finish();
        return value;
      } catch (error) {
        measure.finish(error);
        throw error;
      }
    },
    memory,
    onClose: (cleanup) => void cleanups.push(cleanup),
    close() {
      closed = true;
      dead ??= new WasmhostError('trap', `${options.name} was closed`);
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
  return workload;
}
