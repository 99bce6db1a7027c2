// The values that cross between a workload worker and the host thread through shared memory
// (sync-call-channel.ts, note-ring.ts, call-slot.ts): jco's JS value model (numbers, bigints,
// strings, booleans, undefined/null, arrays, plain objects, typed arrays) in a small tagged
// binary form, the subset of structured clone that import arguments and results use.
import { WasmhostError } from '../errors.js';

/** How resources cross the channel: the sender turns one into `[type, handle]`, the receiver back into an object. */
export interface ResourceCodec {
  /** The type and handle of a resource object, or undefined for any other value. */
  toHandle(value: object): readonly [number, number] | undefined;
  /** The object a handle names; throws (a clear WasmhostError) when the handle is not valid here. */
  fromHandle(type: number, handle: number): unknown;
}

const T_UNDEFINED = 0, T_NULL = 1, T_FALSE = 2, T_TRUE = 3, T_INT = 4, T_FLOAT = 5, T_STRING = 6, T_BIGINT = 7, T_ARRAY = 8, T_OBJECT = 9, T_TYPED = 10, T_RESOURCE = 11;
const TYPED = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray];
const MAX_DEPTH = 64;
const utf8 = new TextEncoder();
/** Strings up to this length are copied char by char when they are ASCII: much cheaper than TextEncoder/TextDecoder for short ones. */
const SHORT = 64;
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
  const string = (v: string) => {
    const n = v.length;
    if (n <= SHORT) {
      room(4 + n);
      let i = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + 4 + i] = c;
      }
      if (i === n) { view.setUint32(at, n, true); at += 4 + n; return; }
    }
    room(4 + 3 * n); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const { written } = utf8.encodeInto(v, bytes.subarray(at + 4));
    view.setUint32(at, written, true);
    at += 4 + written;
  };
  const write = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new WasmhostError('unsupported', `a value nested deeper than ${MAX_DEPTH} levels (or a cycle) cannot cross to the host thread`);
    switch (typeof v) {
      case 'undefined': return u8(T_UNDEFINED);
      case 'boolean': return u8(v ? T_TRUE : T_FALSE);
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) { u8(T_INT); room(4); view.setInt32(at, v, true); at += 4; return; }
        u8(T_FLOAT); room(8); view.setFloat64(at, v, true); at += 8; return;
      case 'string': u8(T_STRING); return string(v);
      case 'bigint': u8(T_BIGINT); return string(v.toString());
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
          for (const [key, item] of entries) { string(key); write(item, depth + 1); }
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
  return new ValueReader(bytes, resources).read();
}

/** One pass over encoded bytes (a class: no closures to allocate per value decoded). */
class ValueReader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array, private readonly resources?: ResourceCodec) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  /** The next length-prefixed bytes, copied: slice() gives an unshared buffer, which TextDecoder requires in browsers. */
  private raw(): Uint8Array<ArrayBuffer> {
    const n = this.u32();
    this.at += n;
    return this.bytes.slice(this.at - n, this.at);
  }

  private string(): string {
    const { bytes, at } = this;
    const n = this.view.getUint32(at, true);
    if (n <= SHORT) {
      const codes: number[] = new Array(n);
      let i = 0;
      for (; i < n; i++) {
        const c = bytes[at + 4 + i]!;
        if (c >= 0x80) break;
        codes[i] = c;
      }
      if (i === n) {
        this.at = at + 4 + n;
        return String.fromCharCode(...codes);
      }
    }
    return text.decode(this.raw());
  }

  read(): unknown {
    const tag = this.bytes[this.at++];
    switch (tag) {
      case T_UNDEFINED: return undefined;
      case T_NULL: return null;
      case T_FALSE: return false;
      case T_TRUE: return true;
      case T_INT: { const v = this.view.getInt32(this.at, true); this.at += 4; return v; }
      case T_FLOAT: { const v = this.view.getFloat64(this.at, true); this.at += 8; return v; }
      case T_STRING: return this.string();
      case T_BIGINT: return BigInt(this.string());
      case T_ARRAY: {
        const out: unknown[] = new Array(this.u32());
        for (let i = 0; i < out.length; i++) out[i] = this.read();
        return out;
      }
      case T_OBJECT: {
        const out: Record<string, unknown> = {};
        for (let n = this.u32(); n > 0; n--) {
          const key = this.string();
          out[key] = this.read();
        }
        return out;
      }
      case T_TYPED: {
        const T = TYPED[this.bytes[this.at++]!]!;
        return new T(this.raw().buffer);
      }
      case T_RESOURCE: {
        const type = this.u32();
        const handle = this.u32();
        if (!this.resources) throw new WasmhostError('bad-input', `a resource handle (${handle}) arrived where no resources may cross`);
        return this.resources.fromHandle(type, handle);
      }
      default: throw new WasmhostError('bad-input', `corrupt channel value: tag ${tag} at byte ${this.at - 1}`);
    }
  }
}
