// The CBOR layer under the bridge frames: a structural scan of untrusted bytes (size, one
// item, definite lengths, no tags, depth, simple values, valid UTF-8, no duplicate keys)
// before cbor-x decodes them, and encoding with integers kept as integers. Pure, no I/O.

// The `encode`/`decode` entries are cbor-x without its optional native string extractor
// (cbor-extract, about 5 MiB of RSS in Node): frames are at most a few KiB, where it gains nothing.
import { Decoder, type Options } from 'cbor-x/decode';
import { Encoder } from 'cbor-x/encode';
import { LIMITS } from './frames.js';

/** A refused frame: `message` is the reason decoders return. Thrown and caught inside this module pair only. */
export class FrameError extends Error {}

/** Refuses the frame: `path: message`, or just `message` at the top. */
export function refuse(path: string, message: string): never {
  throw new FrameError(path ? `${path}: ${message}` : message);
}

// Configuration only: with records, structures and tags out of the picture (tags are refused
// by scan() before cbor-x sees the bytes) no state survives from one call to the next.
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false, int64AsNumber: true } as Options);
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, variableMapSize: true, tagUint8Array: false });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The one CBOR item in `bytes`, after the size limit and the well-formedness scan. */
export function readCbor(bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) refuse('', 'frame is not a byte array');
  if (bytes.length === 0) refuse('', 'frame is empty');
  if (bytes.length > LIMITS.frameBytes) {
    refuse('', `frame is ${bytes.length} bytes, over the ${LIMITS.frameBytes}-byte limit`);
  }
  scan(bytes);
  try {
    return decoder.decode(new Uint8Array(bytes)); // a copy: cbor-x caches a DataView on its input
  } catch (error) {
    return refuse('', `not CBOR: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `value` in CBOR; integers beyond 32 bits go out as CBOR integers, not floats. */
export function writeCbor(value: unknown): Uint8Array {
  return encoder.encode(widen(value));
}

function widen(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value) && (value > LIMITS.uint32 || value < -LIMITS.uint32 - 1)) {
    return BigInt(value);
  }
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, widen(v)]));
  if (Array.isArray(value)) return value.map(widen);
  return value;
}

interface Open { left: number; keys?: Set<string> }

/**
 * Walks the item heads of `bytes` without building anything: one well-formed item (RFC 8949
 * appendix C) and nothing after it, definite lengths only, no tags, only false/true/null as
 * simple values, valid UTF-8, at most LIMITS.depth levels, no duplicate map keys.
 */
function scan(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Open[] = [];
  let pos = 0;
  for (;;) {
    const start = pos;
    if (pos >= bytes.length) refuse('', `not CBOR: truncated at byte ${pos}`);
    const major = bytes[pos] >> 5;
    const info = bytes[pos++] & 0x1f;
    let arg = info;
    if (info >= 24 && info <= 27) {
      const size = 1 << (info - 24);
      if (size > bytes.length - pos) refuse('', `not CBOR: truncated at byte ${start}`);
      arg = size === 1 ? bytes[pos] : size === 2 ? view.getUint16(pos) : size === 4 ? view.getUint32(pos)
        : view.getUint32(pos) * 0x1_0000_0000 + view.getUint32(pos + 4);
      pos += size;
    } else if (info === 31 && major >= 2 && major <= 5) {
      refuse('', `indefinite-length item at byte ${start} (only definite lengths are allowed)`);
    } else if (info >= 28) {
      refuse('', major === 7 && info === 31 ? `not CBOR: unexpected break at byte ${start}`
        : info === 31 ? `not CBOR: additional information 31 with major type ${major} at byte ${start}`
        : `not CBOR: reserved additional information ${info} at byte ${start}`);
    }
    const parent = stack[stack.length - 1];
    let key: string | undefined; // identity of a scalar, as the decoded Map would compare it
    let opened = false;
    switch (major) {
      case 0: key = `n${arg}`; break;
      case 1: key = `n${-1 - arg}`; break;
      case 2:
      case 3:
        if (arg > bytes.length - pos) refuse('', `not CBOR: truncated at byte ${start}`);
        if (major === 3) {
          try {
            key = `s${utf8.decode(bytes.subarray(pos, pos + arg))}`;
          } catch {
            refuse('', `not CBOR: invalid UTF-8 in the text string at byte ${start}`);
          }
        }
        pos += arg;
        break;
      case 4:
      case 5: {
        const items = major === 5 ? arg * 2 : arg;
        if (items > bytes.length - pos) refuse('', `not CBOR: truncated at byte ${start}`);
        if (stack.length >= LIMITS.depth) refuse('', `nesting deeper than ${LIMITS.depth} levels at byte ${start}`);
        if (items > 0) {
          stack.push({ left: items, keys: major === 5 ? new Set() : undefined });
          opened = true;
        }
        break;
      }
      case 6: refuse('', `tag ${arg} at byte ${start} (tags are not allowed)`);
      default: key = simple(info, arg, view, start, pos);
    }
    if (parent?.keys && parent.left % 2 === 0 && key !== undefined) {
      if (parent.keys.has(key)) refuse('', `duplicate map key at byte ${start}`);
      parent.keys.add(key);
    }
    if (opened) continue;
    while (stack.length > 0 && --stack[stack.length - 1].left === 0) stack.pop();
    if (stack.length === 0) break;
  }
  const extra = bytes.length - pos;
  if (extra > 0) refuse('', `not CBOR: ${extra} ${extra === 1 ? 'byte' : 'bytes'} after the item`);
}

/** The key identity of a major-type-7 item; refuses the simple values the protocol does not use. */
function simple(info: number, arg: number, view: DataView, start: number, end: number): string {
  if (info === 20) return 'false';
  if (info === 21) return 'true';
  if (info === 22) return 'null';
  if (info === 24 && arg < 32) refuse('', `not CBOR: invalid simple value encoding at byte ${start}`);
  if (info === 25) return `n${half(arg)}`;
  if (info === 26) return `n${view.getFloat32(end - 4)}`;
  if (info === 27) return `n${view.getFloat64(end - 8)}`;
  return refuse('', `simple value ${arg} at byte ${start} (only false, true and null are allowed)`);
}

/** An IEEE 754 half-precision value (RFC 8949 appendix D). */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

