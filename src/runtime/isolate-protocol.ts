// The messages between the host and a workload worker: one union each way, used by every
// worker adapter (worker_threads, Web Workers). Values travel by structured clone (the
// channel's binary form inside a message measured no faster: bench/value-form.ts);
// errors travel as plain `{code, message, data}` and are rebuilt as WasmhostError. Import
// calls go through shared memory instead (sync-call-channel.ts, note-ring.ts).
import { WasmhostError, type WasmhostErrorJson } from '../errors.js';
import type { ComponentWorld, WitFunction, WitInterface } from '../component/wit-types.js';
import { numberResources, resourceKey, resourceParams, resourcesIn, typeHasAsync, usesResources, type ForwardedResource, type ResourceParam, type ResourceTypes } from './resource-plan.js';
import { jsName } from '../component/js-name.js';
import { unversioned } from '../capabilities/build-imports.js';

/** An imported interface whose functions the worker forwards to the host. */
export interface ForwardedInterface {
  /** The import key (`wasi:logging/logging`, unversioned, as jco asks for it). */
  name: string;
  functions: ForwardedFunction[];
  /** The resource types it defines: the worker gives the guest stand-ins, the host keeps the objects. */
  resources?: ForwardedResource[];
}

/**
 * One forwarded function: `returns` ones block the worker until the host answers. The others
 * (WIT: no result at all, so the guest cannot observe the outcome) go through the note ring and
 * the guest goes on at once.
 */
export interface ForwardedFunction {
  /** The WIT name (`get-all`). */
  name: string;
  /** jco's JS name (`getAll`; a resource function's without its prefix: `listKeys`, `connect`). */
  js: string;
  returns: boolean;
}

/** What WASI inside the worker may reach (preview2-shim's sandbox), from the workload's grants. */
export interface WasiSandbox {
  /** Guest path → host directory. */
  preopens: Record<string, string>;
  env: Record<string, string>;
  args: string[];
  enableNetwork: boolean;
}

/** Everything a worker needs to start one instance. */
export interface WorkerInit {
  type: 'init';
  name: string;
  digest: string;
  world: ComponentWorld;
  /** Component.fastPathBlocker: why scalar calls must go through the glue, if they must. */
  fastPathBlocker?: string;
  /** jco's instantiation-mode glue, as source. */
  glue: string;
  /** A code cache of the glue another worker made (V8's, on Node), so this one skips most of its compile. */
  glueCache?: Uint8Array;
  /** Core modules compiled by the host after the memory cap was applied, by the name the glue asks for. */
  coreModules: Record<string, WebAssembly.Module>;
  forward: ForwardedInterface[];
  /** Interfaces the worker serves itself from preview2-shim, and the sandbox they run in. */
  wasi?: { interfaces: string[]; sandbox: WasiSandbox };
  /** The shared buffer of the synchronous import channel (sync-call-channel.ts). */
  channel: SharedArrayBuffer;
  /** The shared ring fire-and-forget imports go through (note-ring.ts). */
  notes: SharedArrayBuffer;
  /** The shared buffer export calls come through (call-slot.ts); without it, or without Atomics.waitAsync, calls come by message. */
  callSlot?: SharedArrayBuffer;
  /** How long a blocking import may wait for the host before it fails (and traps the call). */
  importTimeoutMs: number;
  /** How long a blocking import polls before it sleeps (see SyncCallClientOptions.spinUs). */
  importSpinUs: number;
  /** The memory cap, to tell an out-of-memory trap from others. */
  memoryBytes: number;
}

/** Calls one export. One call at a time: the host sends the next after this one's answer (by message or through the call slot). */
export interface WorkerCall {
  type: 'call'; id: number; path: string; args: unknown[];
  /** Set instead of `args` when they hold resources: the arguments in the channel's value form, with handles. */
  encoded?: Uint8Array;
}

/** Host → worker. */
export type HostToWorker = WorkerInit | WorkerCall;

/** The worker's memory, sent on `ready` and on a result when it changed (a grown memory, a new heap sample). */
export interface MemoryReport {
  linearBytes: number;
  /** The worker isolate's used JS heap, where the platform measures it per worker (Node: v8.getHeapStatistics). */
  heapBytes?: number;
}

/** Worker → host. */
export type WorkerToHost =
  /** The instance is up; `ms` is the time from receiving `init`; `glueCache` when init had none to use. */
  | { type: 'ready'; ms: number; glueCache?: Uint8Array; callSlot?: boolean; memory: MemoryReport }
  /**
   * `stdoutMidLine`: the guest's stdout so far ends without a newline (`run --invoke` prints after it).
   * `glueCache` on a first result: the glue's code cache with what that call compiled, replacing the ready one.
   */
  | { type: 'result'; id: number; value: unknown; stdoutMidLine?: boolean; glueCache?: Uint8Array; memory?: MemoryReport }
  /** A changed memory report of a call answered through the call slot (posted before its answer). */
  | { type: 'memory'; memory: MemoryReport }
  /** A call failed (`id`) or `init` did (no `id`); `dead` when the instance can no longer be used. */
  | { type: 'failed'; id?: number; error: WasmhostErrorJson; dead: boolean }
  /** The guest dropped these resource handles (batched; nobody waits for it). */
  | { type: 'drop'; handles: number[] }
  /** A blocking import is waiting in the channel (only when the host cannot wait on the buffer itself). */
  | { type: 'doorbell' };

/** Why a workload instance was stopped, in a stopped call's error `data.reason`. */
export type StopReason = 'timeout' | 'trap' | 'out-of-memory' | 'worker-exit' | 'closed';

/** The pseudo-interface of the worker's blocking call when its note ring is full (note-ring.ts): the host drains the ring, then answers. */
export const NOTE_FLUSH = 'wasmhost:note-flush';

/** The import whose requests cross to the host as plain values (one `send` function). */
export const OUTGOING_HANDLER = 'wasi:http/outgoing-handler';

/** Interfaces preview2-shim implements: WASI runs inside the worker (its resources cannot cross threads). */
const WORKER_LOCAL = /^wasi:(cli|clocks|filesystem|io|random|sockets|http)\//;

/** How a component's imports split between the worker and the host thread. */
export interface ImportPlan {
  forward: ForwardedInterface[];
  wasi?: string[];
  /** The resource types the forwarded interfaces define (the host's table checks handles against them). */
  resources: ResourceTypes;
  /** The resource parameters of each forwarded function, by `interface#function` (the host checks them). */
  resourceParams: Map<string, ResourceParam[]>;
}

/**
 * Splits a component's imports (those the host's import object has, by unversioned key)
 * into those WASI serves inside the worker and those forwarded to the host thread. Resources
 * of forwarded interfaces stay on the host; the worker gets stand-ins (worker-resources.ts).
 * Refused, naming them: functions passing streams or futures, or a resource of an interface
 * the worker serves itself.
 */
export function planImports(world: ComponentWorld, provided: readonly string[]): ImportPlan {
  const wasi: string[] = [];
  const forwarded: WitInterface[] = [];
  for (const item of world.imports) {
    if (item.kind !== 'interface') continue;
    const key = unversioned(item.interface.name);
    if (!provided.includes(key)) continue;
    if (WORKER_LOCAL.test(key) && key !== OUTGOING_HANDLER) wasi.push(key);
    else forwarded.push(item.interface);
  }
  const { types, defined } = numberResources(forwarded.filter((i) => unversioned(i.name) !== OUTGOING_HANDLER));
  const forward: ForwardedInterface[] = [];
  const paramsByFunction = new Map<string, ResourceParam[]>();
  const refused: string[] = [];
  for (const iface of forwarded) {
    const key = unversioned(iface.name);
    // Outgoing HTTP: the worker builds the request's resources and forwards it as plain values
    // (http-types.ts); the host checks the allow list and sends it (capabilities/http-outgoing.ts).
    if (key === OUTGOING_HANDLER) {
      forward.push({ name: key, functions: [{ name: 'send', js: 'send', returns: true }] });
      continue;
    }
    const bad = iface.functions.filter((f) => !crosses(iface, f, types));
    if (bad.length) {
      refused.push(`${iface.name} (${bad.map((f) => f.name).join(', ')})`);
      continue;
    }
    const functions = iface.functions.map((f) => {
      const params = resourceParams(iface, f, types);
      if (params.length) paramsByFunction.set(`${key}#${f.name}`, params);
      // Decided from the WIT type: a function with no result at all (not even result<_, e>) cannot
      // tell the guest anything, so it goes through the note ring. A function passing resources
      // always blocks, so its handles are checked before the guest goes on.
      return { name: f.name, js: jsName(f.name.replace(/^\[[a-z]+\][^.]*\.?/, '')), returns: f.result !== undefined || usesResources(f) };
    });
    const resources = defined.get(key) ?? [];
    forward.push(resources.length ? { name: key, functions, resources } : { name: key, functions });
  }
  if (refused.length) {
    throw new WasmhostError('unsupported', `cannot run in a worker: these imports pass streams, futures, or resources of an interface the worker serves itself, which cannot cross from the worker to the host thread:\n${refused.map((r) => `  ${r}`).join('\n')}\nRun the workload in-process (limits.isolation: 'in-process'; no call time limit, so the device's operator must allow it: wasmhost agent --allow-in-process, or wasmhost run --in-process).`, {
      data: { interfaces: refused },
    });
  }
  return { forward, wasi: wasi.length ? wasi : undefined, resources: types, resourceParams: paramsByFunction };
}

/** Whether a function's values can cross: no streams or futures, and only resources the host keeps. */
function crosses(iface: WitInterface, fn: WitFunction, types: ResourceTypes): boolean {
  const all = [...fn.params.map((p) => p.type), ...(fn.result ? [fn.result] : [])];
  if (all.some(typeHasAsync)) return false;
  const named = new Set<string>();
  for (const t of all) resourcesIn(iface, t, named);
  if (fn.resource) named.add(resourceKey(iface, fn.resource));
  return [...named].every((k) => types.keys.includes(k));
}

/** The plain form of any thrown value, for crossing to the other side. */
export function errorToJson(error: unknown): WasmhostErrorJson {
  if (error instanceof WasmhostError) return cloneable(error.toJSON());
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return { code: 'trap', message };
}

/** Rebuilds an error sent by `errorToJson`. */
export function errorFromJson(json: WasmhostErrorJson): WasmhostError {
  return WasmhostError.fromJSON(json);
}

/** Keeps `data` only if it is plain (JSON-like) data that any channel can carry. */
function cloneable(json: WasmhostErrorJson): WasmhostErrorJson {
  if (json.data === undefined || isPlain(json.data, 0)) return json;
  return { code: json.code, message: json.message };
}

function isPlain(value: unknown, depth: number): boolean {
  if (depth > 16) return false;
  if (value === null || ['string', 'number', 'boolean', 'undefined', 'bigint'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every((v) => isPlain(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every((v) => isPlain(v, depth + 1));
  }
  return false;
}
