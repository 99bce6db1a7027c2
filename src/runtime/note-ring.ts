// Fire-and-forget imports (a function whose WIT type returns nothing: `wasi:logging`'s `log`,
// `wasmhost:display`'s `remove`) go from a workload worker to the host through a shared ring
// instead of a message each: the worker appends and goes on, the host reads them when it next
// looks (before it serves a blocking import, when the call's answer arrives, on a timer while a
// call runs, and when the worker stops, so a note written just before a trap still arrives).
// A full ring is never dropped from: the worker makes a blocking `flush` call, which the host
// (NOTE_FLUSH, isolate-protocol.ts) answers after it has drained the ring. One writer (the worker) and one reader (the host).
//
// Buffer: two i32 words (write and read positions, counting bytes for ever and wrapping at
// 2^32), then a power-of-two data area. An entry is a u32 length, a u32 function number
// (into `noteFunctions` of the plan both sides share) and the arguments in the channel's value
// form, padded to 4 bytes; a length of WRAP says the next entry starts at the beginning.
import { WasmhostError } from '../errors.js';
import type { ForwardedInterface } from './isolate-protocol.js';
import { createValueWriter, decodeValue } from './channel-values.js';

const WRITE = 0;
const READ = 1;
const HEADER_BYTES = 8;
const WRAP = 0xffffffff;

/** Default size of the data area (a power of two); a note larger than half of it goes as a blocking call. */
export const NOTE_RING_BYTES = 64 * 1024;

/** A shared buffer for one worker's ring; `dataBytes` is rounded up to a power of two (at least 64). */
export function createNoteRingBuffer(dataBytes = NOTE_RING_BYTES): SharedArrayBuffer {
  let size = 64;
  while (size < dataBytes) size *= 2;
  return new SharedArrayBuffer(HEADER_BYTES + size);
}

/** The forwarded functions that may travel as notes, by number: those that return nothing. */
export function noteFunctions(plan: readonly ForwardedInterface[]): { interface: string; function: string }[] {
  return plan.flatMap((iface) => iface.functions.filter((fn) => !fn.returns).map((fn) => ({ interface: iface.name, function: fn.name })));
}

/** What `write` did: `full` means a flush frees room; `too-large` that the note never fits (send it as a blocking call). */
export type NoteWrite = 'written' | 'full' | 'too-large';

/** The worker's side of a ring. */
export interface NoteWriter { write(fn: number, args: readonly unknown[]): NoteWrite }

/** Creates the worker's side of a ring. */
export function createNoteWriter(buffer: SharedArrayBuffer): NoteWriter {
  const header = new Int32Array(buffer, 0, 2);
  const capacity = buffer.byteLength - HEADER_BYTES;
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const view = new DataView(buffer, HEADER_BYTES);
  const values = createValueWriter();
  return {
    write(fn, args) {
      const body = values.encode(args);
      const length = 4 + body.length;
      const need = 4 + align4(length);
      if (need > capacity / 2) return 'too-large';
      const at = Atomics.load(header, WRITE);
      const used = (at - Atomics.load(header, READ)) >>> 0;
      let offset = at & (capacity - 1);
      const pad = capacity - offset < need ? capacity - offset : 0;
      if (used + pad + need > capacity) return 'full';
      if (pad) {
        view.setUint32(offset, WRAP, true);
        offset = 0;
      }
      view.setUint32(offset, length, true);
      view.setUint32(offset + 4, fn, true);
      data.set(body, offset + 8);
      // Published only now: the host never sees a half-written entry, even if this worker is killed.
      Atomics.store(header, WRITE, (at + pad + need) | 0);
      return 'written';
    },
  };
}

/** The host's side of a ring. */
export interface NoteReader {
  /**
   * Hands every note written so far to `onNote`, in order, while `go()` holds; returns how many.
   * Throws on a malformed entry (the worker is then not to be trusted further).
   */
  drain(onNote: (fn: number, args: unknown[]) => void, go?: () => boolean): number;
}

/** Creates the host's side of a ring. */
export function createNoteReader(buffer: SharedArrayBuffer): NoteReader {
  const header = new Int32Array(buffer, 0, 2);
  const capacity = buffer.byteLength - HEADER_BYTES;
  const data = new Uint8Array(buffer, HEADER_BYTES);
  const view = new DataView(buffer, HEADER_BYTES);
  return {
    drain(onNote, go = () => true) {
      let count = 0;
      let at = Atomics.load(header, READ);
      const end = Atomics.load(header, WRITE);
      while (at !== end && go()) {
        const offset = at & (capacity - 1);
        const length = view.getUint32(offset, true);
        if (length === WRAP) {
          at = (at + capacity - offset) | 0;
          continue;
        }
        if (length < 4 || offset + 4 + length > capacity || ((end - at) >>> 0) < 4 + align4(length)) {
          throw new WasmhostError('bad-input', `corrupt note ring: an entry of ${length} bytes at byte ${offset}`);
        }
        const fn = view.getUint32(offset + 4, true);
        const args = decodeValue(data.subarray(offset + 8, offset + 4 + length)) as unknown[];
        at = (at + 4 + align4(length)) | 0;
        Atomics.store(header, READ, at);
        count++;
        onNote(fn, args);
      }
      Atomics.store(header, READ, at);
      return count;
    },
  };
}

/** How often the host drains a running call's notes (besides at its blocking imports and its end). */
export const NOTE_DRAIN_MS = 10;

/** The host's use of one worker's ring: runs its notes in order and reports the first that fails. */
export interface NoteDrain {
  /** Runs the notes written so far; a drain from within one (a failure's handler) does nothing. */
  drain(): void;
  /** Drains every `everyMs` while `busy()` holds (a long call's lines arrive as it goes); the timer ends itself after. */
  watch(busy: () => boolean): void;
  /** Runs no more notes, and stops the timer. */
  close(): void;
}

/** Options of `createNoteDrain`. */
export interface NoteDrainOptions {
  /** The workload, for messages. */
  name: string;
  /** Runs one note on the host's import object (it may return a promise, which is not awaited). */
  run(iface: string, fn: string, args: unknown[]): unknown;
  /** A note failed, named a function it may not, or the ring is corrupt: the caller stops the worker (then `close`s this). */
  fail(error: WasmhostError): void;
  /** How often `watch` drains (default NOTE_DRAIN_MS). */
  everyMs?: number;
}

/** Drains the ring `buffer` of a worker whose forwarded imports are `plan`. */
export function createNoteDrain(buffer: SharedArrayBuffer, plan: readonly ForwardedInterface[], options: NoteDrainOptions): NoteDrain {
  const reader = createNoteReader(buffer);
  // Only the functions whose WIT type returns nothing may come as notes.
  const functions = noteFunctions(plan);
  const { name } = options;
  let draining = false;
  let closed = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

  function runOne(number: number, args: unknown[]): void {
    const note = functions[number];
    if (!note) return options.fail(new WasmhostError('trap', `${name}'s worker sent note #${number}, which is not a fire-and-forget import of this component`));
    const key = `${note.interface}#${note.function}`;
    const fault = (error: unknown) => options.fail(new WasmhostError('trap', `import ${key} of ${name} failed: ${message(error)}`, { cause: error }));
    try {
      const result = options.run(note.interface, note.function, args) as { then?: unknown } | undefined;
      if (result && typeof result.then === 'function') (result as Promise<unknown>).catch(fault);
    } catch (error) {
      fault(error);
    }
  }

  const drain = () => {
    if (draining || closed) return;
    draining = true;
    try {
      reader.drain(runOne, () => !closed);
    } catch (error) {
      options.fail(new WasmhostError('trap', `${name}'s worker wrote a malformed note: ${message(error)}`, { cause: error }));
    } finally {
      draining = false;
    }
  };
  return {
    drain,
    watch(busy) {
      if (timer !== undefined || closed) return;
      timer = setInterval(() => {
        if (busy()) return drain();
        clearInterval(timer);
        timer = undefined;
      }, options.everyMs ?? NOTE_DRAIN_MS);
    },
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
