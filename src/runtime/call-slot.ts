// Export calls host → worker over shared memory instead of messages (opt-in: the
// `callSlot` option of isolated-workload.ts; bench/isolation.ts compares). The host writes
// `[id, path, args]` into the slot and waits for the answer with Atomics.waitAsync (never
// blocking its thread); the worker, after each call, sleeps in Atomics.wait on the slot
// for a short while, so back-to-back calls skip the message queue both ways. A worker with
// no call for IDLE_MS goes back to its event loop and waits there with Atomics.waitAsync.
// Only results travel here; failures, results the value form cannot carry, and calls
// whose arguments it cannot carry go by message (isolate-protocol.ts), as before.
//
// Buffer: two i32 words (state, length), then the data area. One call at a time:
// idle → call (host) → result (worker) → idle (host), or call → idle (worker; answer by message).
import { createValueWriter, decodeValue, type ResourceCodec } from './channel-values.js';

const STATE = 0;
const LENGTH = 1;
const HEADER_BYTES = 8;
const IDLE = 0;
const CALL = 1;
const RESULT = 2;
/** Set by the host: the worker leaves its sleep for its event loop, where a call message waits. */
const WAKE = 3;
/** How long the worker sleeps on the slot after a call before it returns to its event loop. */
const IDLE_MS = 2;
/** Longest the worker serves calls without letting its event loop run (stdout, messages). */
const MAX_HOT_MS = 50;

/** Default size of the data area; larger calls and results go by message. */
export const CALL_SLOT_BYTES = 64 * 1024;

/** A shared buffer for one worker's call slot. */
export function createCallSlotBuffer(dataBytes = CALL_SLOT_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + dataBytes);
}

/** Whether this platform can wait on shared memory without blocking (both sides need it). */
export const canUseCallSlot = (): boolean => typeof Atomics.waitAsync === 'function';

/** The host's side of a call slot. */
export interface CallSlotSender {
  /** Writes a call; false when the slot is busy or the arguments do not fit its value form (send a message then). */
  send(id: number, path: string, args: readonly unknown[]): boolean;
  /** Tells a worker sleeping on the slot to look at its messages (a call went by message). */
  wake(): void;
  /** Stops delivering results. */
  close(): void;
}

/** Serves a slot's results to `onResult`, until `close`. */
export function createCallSlotSender(buffer: SharedArrayBuffer, onResult: (result: SlotResult) => void): CallSlotSender {
  const header = new Int32Array(buffer, 0, 2);
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const writer = createValueWriter();
  let closed = false;
  void (async () => {
    while (!closed) {
      const state = Atomics.load(header, STATE);
      if (state === RESULT) {
        const [id, value, stdoutMidLine, messagesBefore] = decodeValue(data.subarray(0, Atomics.load(header, LENGTH))) as [number, unknown, boolean, number];
        Atomics.store(header, STATE, IDLE);
        onResult({ id, value, stdoutMidLine, messagesBefore });
        continue;
      }
      const wait = Atomics.waitAsync(header, STATE, state);
      if (wait.async) await wait.value;
    }
  })();
  return {
    send(id, path, args) {
      if (closed || Atomics.load(header, STATE) !== IDLE) return false;
      let bytes: Uint8Array;
      try {
        bytes = writer.encode([id, path, args]);
      } catch {
        return false; // not plain WIT values: structured clone may still carry them
      }
      if (bytes.length > data.length) return false;
      data.set(bytes);
      Atomics.store(header, LENGTH, bytes.length);
      Atomics.store(header, STATE, CALL);
      Atomics.notify(header, STATE);
      return true;
    },
    wake() {
      if (Atomics.compareExchange(header, STATE, IDLE, WAKE) === IDLE) Atomics.notify(header, STATE);
    },
    close() {
      closed = true;
      Atomics.notify(header, STATE); // wakes the pending waitAsync, which then sees `closed`
    },
  };
}

/** What running one call gave: `ok` with its value and stdout state, and how to answer it by message instead. */
export interface SlotOutcome { ok: boolean; value?: unknown; stdoutMidLine?: boolean; post(): void }

/** A result from the slot; `messagesBefore`: how many messages the worker had posted by then (notes, drops), which the host handles first. */
export interface SlotResult { id: number; value: unknown; stdoutMidLine: boolean; messagesBefore: number }

/** The worker's side: serves calls from the slot with `run` until the worker is terminated. */
export function serveCallSlot(buffer: SharedArrayBuffer, run: (id: number, path: string, args: unknown[]) => SlotOutcome, sent: () => number, resources?: ResourceCodec): void {
  const header = new Int32Array(buffer, 0, 2);
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const writer = createValueWriter(resources);

  function handle(): void {
    const [id, path, args] = decodeValue(data.subarray(0, Atomics.load(header, LENGTH)), resources) as [number, string, unknown[]];
    const outcome = run(id, path, args);
    let bytes: Uint8Array | undefined;
    try {
      if (outcome.ok) bytes = writer.encode([id, outcome.value, outcome.stdoutMidLine === true, sent()]);
    } catch {
      bytes = undefined; // not plain WIT values: structured clone may still carry them
    }
    if (bytes && bytes.length <= data.length) {
      data.set(bytes);
      Atomics.store(header, LENGTH, bytes.length);
      Atomics.store(header, STATE, RESULT);
      Atomics.notify(header, STATE);
      return;
    }
    // Free the slot first: the host may send the next call as soon as it has this answer.
    Atomics.store(header, STATE, IDLE);
    outcome.post();
  }

  function hot(): void {
    const started = performance.now();
    let until = started + IDLE_MS;
    for (;;) {
      const state = Atomics.load(header, STATE);
      if (state === CALL) {
        handle();
        const now = performance.now();
        if (now - started > MAX_HOT_MS) return void setTimeout(hot, 0);
        until = now + IDLE_MS;
        continue;
      }
      if (state === WAKE) {
        Atomics.compareExchange(header, STATE, WAKE, IDLE);
        break;
      }
      const left = until - performance.now();
      if (left <= 0) break;
      Atomics.wait(header, STATE, state, left);
    }
    idle();
  }

  /** Waits for the next call from the event loop, which meanwhile runs (messages, stdout). */
  function idle(): void {
    const state = Atomics.load(header, STATE);
    if (state === WAKE) Atomics.compareExchange(header, STATE, WAKE, IDLE);
    if (state === CALL) return void setTimeout(hot, 0);
    const wait = Atomics.waitAsync(header, STATE, state);
    if (wait.async) void wait.value.then(idleWoken);
    else idleWoken();
  }

  function idleWoken(): void {
    if (Atomics.load(header, STATE) === CALL) hot();
    else idle();
  }

  idle();
}
