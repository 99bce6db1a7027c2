// Synchronous imports for a workload in a worker. Component imports are synchronous but
// the host's providers may be asynchronous, so the worker writes its request into a
// SharedArrayBuffer and blocks on Atomics.wait, while the host thread (which never
// blocks) waits for requests with Atomics.waitAsync, runs the provider, awaits it,
// and writes the answer back. Where Atomics.waitAsync is missing, the worker also
// posts a `doorbell` message and the adapter calls `poke()`. Calls whose result the guest
// cannot observe do not block: they go through the note ring (note-ring.ts), which the
// host drains before it serves each blocking call, so the order of all imports holds.
//
// Buffer: four i32 words (state, length, flags, unused), then the data area. One request
// at a time: idle → request (worker) → response (host) → idle (worker).
import { WasmhostError } from '../errors.js';
import { errorFromJson, errorToJson, NOTE_FLUSH, type ForwardedInterface, type WorkerToHost } from './isolate-protocol.js';
import { createValueWriter, decodeValue, type ResourceCodec } from './channel-values.js';
import { createNoteWriter, noteFunctions } from './note-ring.js';

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
}

/** The worker's side: blocking calls through the buffer, notes through the note ring. */
export interface SyncCallClient {
  /** Blocks until the host answers; throws the provider's error, or a `trap` after the timeout. */
  call(iface: string, fn: string, args: unknown[]): unknown;
  /** Sends a call whose result nobody waits for (one of the plan's that return nothing); blocks only when the ring is full. */
  notify(iface: string, fn: string, args: unknown[]): void;
  /** `notify` for one function, looked up once. */
  notifier(iface: string, fn: string): (args: unknown[]) => void;
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
  /** Sends a message to the host (doorbells). */
  post: (message: WorkerToHost) => void;
  /** The note ring (note-ring.ts) and the plan that numbers its functions; without it, notes block like calls. */
  notes?: { ring: SharedArrayBuffer; plan: readonly ForwardedInterface[] };
  /** How resource stand-ins travel (worker-resources.ts); without it, only plain values cross. */
  resources?: ResourceCodec;
  /** Runs before each blocking call (the worker posts the drops it batched). */
  beforeCall?: () => void;
}

/** Creates the worker's side of a channel. */
export function createSyncCallClient(buffer: SharedArrayBuffer, options: SyncCallClientOptions): SyncCallClient {
  const spinMs = (options.spinUs ?? 0) / 1000;
  const header = new Int32Array(buffer, 0, 4);
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const writer = createValueWriter(options.resources);
  const ring = options.notes && createNoteWriter(options.notes.ring);
  const numbers = new Map((options.notes ? noteFunctions(options.notes.plan) : []).map((f, i) => [`${f.interface}#${f.function}`, i]));
  let broken: WasmhostError | undefined;

  function call(iface: string, fn: string, args: unknown[]): unknown {
    const name = `${iface}#${fn}`;
    if (broken) throw broken;
    options.beforeCall?.();
    const request = writer.encode([iface, fn, args]);
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
  }

  function notifier(iface: string, fn: string): (args: unknown[]) => void {
    const number = numbers.get(`${iface}#${fn}`);
    if (!ring || number === undefined) return (args) => void call(iface, fn, args);
    return (args) => {
      if (broken) throw broken;
      let written = ring.write(number, args);
      if (written === 'full') {
        call(NOTE_FLUSH, 'flush', []); // the host drains the ring before it answers: nothing is dropped
        written = ring.write(number, args);
      }
      // Larger than the ring can hold: a blocking call carries it, after the notes before it.
      if (written !== 'written') call(iface, fn, args);
    };
  }

  const notifiers = new Map<string, (args: unknown[]) => void>();
  return {
    call,
    notifier,
    notify(iface, fn, args) {
      const key = `${iface}#${fn}`;
      let send = notifiers.get(key);
      if (!send) notifiers.set(key, (send = notifier(iface, fn)));
      send(args);
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
      if (fn.returns) {
        functions[fn.js] = (...args) => client.call(iface.name, fn.name, args);
        continue;
      }
      const send = client.notifier(iface.name, fn.name);
      functions[fn.js] = (...args) => send(args);
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
      const [i, f, args] = decodeValue(data.subarray(0, Atomics.load(header, LENGTH)), options.resources) as [string, string, unknown[]];
      [iface, fn] = [i, f];
      pending = { interface: iface, function: fn, args };
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
