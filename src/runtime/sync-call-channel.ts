// Synchronous imports for a workload in a worker. Component imports are synchronous but
// the host's providers may be asynchronous, so the worker writes its request into a
// SharedArrayBuffer and blocks on Atomics.wait, while the host thread (which never
// blocks) waits for requests with Atomics.waitAsync, runs the provider, awaits it,
// and writes the answer back. Where Atomics.waitAsync is missing, the worker also
// posts a `doorbell` message and the adapter calls `poke()`.
//
// Buffer: four i32 words (state, length, flags, unused), then the data area. One request
// at a time: idle → request (worker) → response (host) → idle (worker).
import { WasmhostError } from '../errors.js';
import { errorFromJson, errorToJson, type ForwardedInterface, type WorkerToHost } from './isolate-protocol.js';

const STATE = 0;
const LENGTH = 1;
const FLAGS = 2;
const HEADER_BYTES = 16;
const IDLE = 0;
const REQUEST = 1;
const RESPONSE = 2;
const NEEDS_DOORBELL = 1;
/** Requests served without a real wait before the host loop yields to its other tasks. */
const MAX_BURST = 32;
const OK = 0;
const PAYLOAD = 1;
const ERROR = 2;

/** Default size of the data area: the largest encoded request or answer. */
export const DEFAULT_CHANNEL_BYTES = 1 << 20;

/** A shared buffer for one worker's channel. */
export function createSyncCallBuffer(dataBytes = DEFAULT_CHANNEL_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + dataBytes);
}

/** One blocking import call, as the host sees it. */
export interface SyncCallRequest {
  interface: string;
  function: string;
  args: unknown[];
  /** How many fire-and-forget notes the worker posted before this call: the host runs those first. */
  notesBefore: number;
}

/** The worker's side: blocking calls through the buffer, notes through messages. */
export interface SyncCallClient {
  /** Blocks until the host answers; throws the provider's error, or a `trap` after the timeout. */
  call(iface: string, fn: string, args: unknown[]): unknown;
  /** Posts a call whose result nobody waits for. */
  notify(iface: string, fn: string, args: unknown[]): void;
}

/** Options of the worker's side. */
export interface SyncCallClientOptions {
  /** How long a call waits for the host before it fails. */
  timeoutMs: number;
  /**
   * How long to poll the buffer before sleeping in Atomics.wait (default 0). Waking a
   * sleeping thread costs tens of µs, so a short spin makes quick answers much quicker,
   * at the price of that much CPU per call.
   */
  spinUs?: number;
  /** Sends a message to the host (notes, doorbells). */
  post: (message: WorkerToHost) => void;
  /** How resource stand-ins travel (worker-resources.ts); without it, only plain values cross. */
  resources?: ResourceCodec;
  /** Runs before each blocking call (the worker posts the drops it batched). */
  beforeCall?: () => void;
}

/** How resources cross the channel: the sender turns one into `[type, handle]`, the receiver back into an object. */
export interface ResourceCodec {
  /** The type and handle of a resource object, or undefined for any other value. */
  toHandle(value: object): readonly [number, number] | undefined;
  /** The object a handle names; throws (a clear WasmhostError) when the handle is not valid here. */
  fromHandle(type: number, handle: number): unknown;
}

/** Creates the worker's side of a channel. */
export function createSyncCallClient(buffer: SharedArrayBuffer, options: SyncCallClientOptions): SyncCallClient {
  const spinMs = (options.spinUs ?? 0) / 1000;
  const header = new Int32Array(buffer, 0, 4);
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const writer = createValueWriter(options.resources);
  let notes = 0;
  let broken: WasmhostError | undefined;
  return {
    call(iface, fn, args) {
      const name = `${iface}#${fn}`;
      if (broken) throw broken;
      options.beforeCall?.();
      const request = writer.encode([iface, fn, args, notes]);
      if (request.length > data.length) throw new WasmhostError('bad-input', `the arguments of import ${name} take ${request.length} bytes, more than the channel's ${data.length}`);
      data.set(request);
      Atomics.store(header, LENGTH, request.length);
      Atomics.store(header, STATE, REQUEST);
      Atomics.notify(header, STATE);
      if (Atomics.load(header, FLAGS) & NEEDS_DOORBELL) options.post({ type: 'doorbell' });
      const start = performance.now();
      const deadline = start + options.timeoutMs;
      for (let i = 0; spinMs > 0 && Atomics.load(header, STATE) === REQUEST; i++) {
        if ((i & 63) === 63 && performance.now() - start > spinMs) break;
      }
      while (Atomics.load(header, STATE) === REQUEST) {
        const left = deadline - performance.now();
        if (left <= 0 || (Atomics.wait(header, STATE, REQUEST, left) === 'timed-out' && Atomics.load(header, STATE) === REQUEST)) {
          // A late answer would land in a buffer this side no longer reads: stop using it.
          broken = new WasmhostError('trap', `import ${name} got no answer from the host within ${options.timeoutMs} ms`, { data: { reason: 'timeout', import: name } });
          throw broken;
        }
      }
      let answer: [number, unknown];
      try {
        answer = decodeValue(data.subarray(0, Atomics.load(header, LENGTH)), options.resources) as [number, unknown];
      } finally {
        Atomics.store(header, STATE, IDLE);
      }
      const [status, value] = answer;
      if (status === OK) return value;
      if (status === PAYLOAD) throw { payload: value }; // jco turns this into the `err` case of the import's result
      throw errorFromJson(value as Parameters<typeof errorFromJson>[0]);
    },
    notify(iface, fn, args) {
      notes++;
      options.post({ type: 'note', interface: iface, function: fn, args });
    },
  };
}

/** An import object whose functions forward to the host through `client`, in jco's shape. */
export function forwardingImports(plan: readonly ForwardedInterface[], client: SyncCallClient): Record<string, Record<string, (...args: unknown[]) => unknown>> {
  const imports: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
  for (const iface of plan) {
    const functions: Record<string, (...args: unknown[]) => unknown> = {};
    for (const fn of iface.functions) {
      if (fn.name.startsWith('[')) continue; // a resource's function: on its stand-in class (worker-resources.ts)
      functions[fn.js] = fn.returns
        ? (...args) => client.call(iface.name, fn.name, args)
        : (...args) => client.notify(iface.name, fn.name, args);
    }
    imports[iface.name] = functions;
  }
  return imports;
}

/** The host's side of a channel. */
export interface SyncCallServer {
  /** The request being served, if any (a timeout message names it). */
  readonly pending: SyncCallRequest | undefined;
  /** Looks for a request now (on a `doorbell` message). */
  poke(): void;
  /** Stops serving; a request being served gets no answer. */
  close(): void;
}

/**
 * Serves a channel's requests with `handler` (sync or async), one at a time, without
 * ever blocking the host thread. A value the handler throws with a `payload` becomes the
 * `err` case in the guest; any other throw fails the import (a trap of the call).
 */
export function serveSyncCalls(buffer: SharedArrayBuffer, handler: (request: SyncCallRequest) => unknown, options: { waitAsync?: boolean; resources?: ResourceCodec } = {}): SyncCallServer {
  const header = new Int32Array(buffer, 0, 4);
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const waitAsync = options.waitAsync ?? typeof Atomics.waitAsync === 'function';
  let closed = false;
  let serving = false;
  let pending: SyncCallRequest | undefined;
  const writer = createValueWriter(options.resources);
  if (!waitAsync) Atomics.store(header, FLAGS, NEEDS_DOORBELL);

  /**
   * Serves the request in the buffer. A handler that answers synchronously is answered at
   * once, with no promise in between; a promise is answered when it settles (returned).
   */
  function serveOne(): Promise<void> | undefined {
    let iface = '?', fn = '?';
    let result: unknown;
    try {
      // A handle the host does not know (forged, stale, of another type) fails this import only.
      const [i, f, args, notesBefore] = decodeValue(data.subarray(0, Atomics.load(header, LENGTH)), options.resources) as [string, string, unknown[], number];
      [iface, fn] = [i, f];
      pending = { interface: iface, function: fn, args, notesBefore };
      result = handler(pending);
    } catch (error) {
      return answer(iface, fn, false, error);
    }
    if (isThenable(result)) return Promise.resolve(result).then((value) => answer(iface, fn, true, value), (error: unknown) => answer(iface, fn, false, error));
    return answer(iface, fn, true, result);
  }

  function answer(iface: string, fn: string, ok: boolean, outcome: unknown): undefined {
    let bytes: Uint8Array;
    try {
      if (!ok) throw outcome;
      bytes = writer.encode([OK, outcome]);
    } catch (error) {
      bytes = writer.encode(hasPayload(error) ? [PAYLOAD, error.payload] : [ERROR, errorToJson(error)]);
    }
    if (bytes.length > data.length) {
      const message = `the answer of import ${iface}#${fn} takes ${bytes.length} bytes, more than the channel's ${data.length}`;
      bytes = writer.encode([ERROR, { code: 'unsupported', message }]);
    }
    pending = undefined;
    if (closed) return;
    data.set(bytes);
    Atomics.store(header, LENGTH, bytes.length);
    Atomics.store(header, STATE, RESPONSE);
    Atomics.notify(header, STATE);
  }

  async function loop(): Promise<void> {
    serving = true;
    let burst = 0;
    try {
      while (!closed) {
        const state = Atomics.load(header, STATE);
        if (state === REQUEST) {
          // A guest calling imports back to back could otherwise keep this loop in microtasks,
          // starving the host's timers (its own call deadline among them) and I/O.
          if (++burst > MAX_BURST) {
            burst = 0;
            await new Promise<void>((resolve) => setTimeout(() => resolve(), 0));
          }
          const later = serveOne();
          if (later) await later;
        } else if (!waitAsync) return;
        else {
          const wait = Atomics.waitAsync(header, STATE, state);
          if (wait.async) {
            burst = 0;
            await wait.value;
          }
        }
      }
    } finally {
      serving = false;
    }
  }

  const run = () => {
    if (!serving && !closed) void loop();
  };
  run();
  return {
    get pending() { return pending; },
    poke: run,
    close() {
      closed = true;
      Atomics.notify(header, STATE); // wakes a pending waitAsync, which then sees `closed`
    },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function hasPayload(error: unknown): error is { payload: unknown } {
  return typeof error === 'object' && error !== null && Object.prototype.hasOwnProperty.call(error, 'payload');
}

// The values in the buffer: jco's JS value model (numbers, bigints, strings, booleans,
// undefined/null, arrays, plain objects, typed arrays) in a small tagged binary form,
// the subset of structured clone that import arguments and results use.

const T_UNDEFINED = 0, T_NULL = 1, T_FALSE = 2, T_TRUE = 3, T_INT = 4, T_FLOAT = 5, T_STRING = 6, T_BIGINT = 7, T_ARRAY = 8, T_OBJECT = 9, T_TYPED = 10, T_RESOURCE = 11;
const TYPED = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray];
const MAX_DEPTH = 64;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Encodes values into one buffer it reuses: each `encode` returns a view valid until the next call. */
export interface ValueWriter { encode(value: unknown): Uint8Array }

/** A writer for one side of a channel; `resources` lets resource objects cross as handles. */
export function createValueWriter(resources?: ResourceCodec): ValueWriter {
  let bytes = new Uint8Array(1024);
  let view = new DataView(bytes.buffer);
  let at = 0;
  const room = (n: number) => {
    if (at + n <= bytes.length) return;
    const grown = new Uint8Array(Math.max(bytes.length * 2, at + n));
    grown.set(bytes.subarray(0, at));
    bytes = grown;
    view = new DataView(bytes.buffer);
  };
  const u8 = (v: number) => { room(1); bytes[at++] = v; };
  const u32 = (v: number) => { room(4); view.setUint32(at, v, true); at += 4; };
  const raw = (b: Uint8Array) => { u32(b.length); room(b.length); bytes.set(b, at); at += b.length; };
  const write = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new WasmhostError('unsupported', `a value nested deeper than ${MAX_DEPTH} levels (or a cycle) cannot cross to the host thread`);
    switch (typeof v) {
      case 'undefined': return u8(T_UNDEFINED);
      case 'boolean': return u8(v ? T_TRUE : T_FALSE);
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) { u8(T_INT); room(4); view.setInt32(at, v, true); at += 4; return; }
        u8(T_FLOAT); room(8); view.setFloat64(at, v, true); at += 8; return;
      case 'string': u8(T_STRING); return raw(utf8.encode(v));
      case 'bigint': u8(T_BIGINT); return raw(utf8.encode(v.toString()));
      case 'object': {
        if (v === null) return u8(T_NULL);
        if (Array.isArray(v)) {
          u8(T_ARRAY); u32(v.length);
          for (const item of v) write(item, depth + 1);
          return;
        }
        if (ArrayBuffer.isView(v)) {
          const kind = TYPED.findIndex((T) => v instanceof T);
          if (kind >= 0) {
            u8(T_TYPED); u8(kind);
            return raw(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          }
        }
        const proto = Object.getPrototypeOf(v);
        if (proto === Object.prototype || proto === null) {
          const entries = Object.entries(v as object);
          u8(T_OBJECT); u32(entries.length);
          for (const [key, item] of entries) { raw(utf8.encode(key)); write(item, depth + 1); }
          return;
        }
        const handle = resources?.toHandle(v);
        if (handle) { u8(T_RESOURCE); u32(handle[0]); u32(handle[1]); return; }
      }
    }
    const what = typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v;
    throw new WasmhostError('unsupported', `a ${what} cannot cross between a worker and the host thread (only plain WIT values can)`);
  };
  return {
    encode(value) {
      at = 0;
      write(value, 0);
      return bytes.subarray(0, at);
    },
  };
}

/** Encodes a value into a fresh byte array. */
export function encodeValue(value: unknown, resources?: ResourceCodec): Uint8Array {
  return createValueWriter(resources).encode(value).slice();
}

/** Decodes encoded bytes; they may be a view of the shared buffer (strings and arrays are copied out). */
export function decodeValue(bytes: Uint8Array, resources?: ResourceCodec): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = () => { const v = view.getUint32(at, true); at += 4; return v; };
  // slice() copies into an unshared buffer, which TextDecoder requires in browsers.
  const raw = () => { const n = u32(); at += n; return bytes.slice(at - n, at); };
  const read = (): unknown => {
    const tag = bytes[at++];
    switch (tag) {
      case T_UNDEFINED: return undefined;
      case T_NULL: return null;
      case T_FALSE: return false;
      case T_TRUE: return true;
      case T_INT: { const v = view.getInt32(at, true); at += 4; return v; }
      case T_FLOAT: { const v = view.getFloat64(at, true); at += 8; return v; }
      case T_STRING: return text.decode(raw());
      case T_BIGINT: return BigInt(text.decode(raw()));
      case T_ARRAY: return Array.from({ length: u32() }, read);
      case T_OBJECT: {
        const out: Record<string, unknown> = {};
        for (let n = u32(); n > 0; n--) {
          const key = text.decode(raw());
          out[key] = read();
        }
        return out;
      }
      case T_TYPED: {
        const T = TYPED[bytes[at++]];
        return new T(raw().buffer);
      }
      case T_RESOURCE: {
        const type = u32();
        const handle = u32();
        if (!resources) throw new WasmhostError('bad-input', `a resource handle (${handle}) arrived where no resources may cross`);
        return resources.fromHandle(type, handle);
      }
      default: throw new WasmhostError('bad-input', `corrupt channel value: tag ${tag} at byte ${at - 1}`);
    }
  };
  return read();
}
