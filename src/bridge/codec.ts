// The bridge frames in CBOR (RFC 8949): pure encode/decode pairs, no I/O. Decoders check
// every inbound frame against docs/bridge-protocol.md and never throw; encoders run the
// same checks on what they produce and throw `bad-input` for a frame no peer would accept.

import { Decoder, Encoder, type Options } from 'cbor-x';
import { WasmhostError } from '../errors.js';
import {
  LIMITS, NAME, PEER_ID, UNIT, IFACE_NAME, VERSION, PROTOCOL_VERSION, RPC_ERROR_CODES, publishTopicProblem,
  utf8Length,
  type ActuatorOffer, type BirthFrame, type DeathFrame, type Decoded, type DecodedRpcRequest, type PeerInterface,
  type RpcErrorCode, type RpcReplyFrame, type RpcRequestFrame, type SensorOffer,
} from './frames.js';

// ---- CBOR layer ---------------------------------------------------------------------

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

// ---- field checks -------------------------------------------------------------------

/** The CBOR type of a decoded value, for messages. */
export function cborType(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'a float' : String(value);
    return value < 0 ? 'a negative integer' : 'an unsigned integer';
  }
  if (typeof value === 'string') return 'a text string';
  if (typeof value === 'boolean' || value === null) return String(value);
  if (value instanceof Uint8Array) return 'a byte string';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'a map';
  return typeof value;
}

/** `value` as a map, or refused. */
export function asMap(value: unknown, path: string): Map<unknown, unknown> {
  if (!(value instanceof Map)) refuse(path || 'top level', `expected a map, got ${cborType(value)}`);
  return value;
}

const at = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** The value under `key`, refused when missing and `required`. */
export function field(map: Map<unknown, unknown>, key: string | number, path: string, required: boolean): unknown {
  const value = map.get(key);
  if (value === undefined && required) refuse(path, 'missing');
  return value;
}

/** An unsigned integer up to `max`. */
export function uintField(map: Map<unknown, unknown>, key: string, path: string, max: number): number {
  const value = field(map, key, at(path, key), true);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    refuse(at(path, key), `expected an unsigned integer, got ${cborType(value)}`);
  }
  if (value > max) refuse(at(path, key), `${value} is over the limit of ${max}`);
  return value;
}

/** A finite number: any CBOR integer or float. */
export function numberValue(value: unknown, path: string): number {
  if (typeof value !== 'number') refuse(path, `expected a number, got ${cborType(value)}`);
  if (!Number.isFinite(value)) refuse(path, `expected a finite number, got ${value}`);
  return value;
}

/** A text string of at most LIMITS.textBytes UTF-8 bytes, matching `rule` (described by `what`) when given. */
export function textValue(value: unknown, path: string, rule?: { pattern: RegExp; what: string }): string {
  if (typeof value !== 'string') refuse(path, `expected a text string, got ${cborType(value)}`);
  if (rule && !rule.pattern.test(value)) refuse(path, `${quote(value)} is not ${rule.what}`);
  const bytes = utf8Length(value);
  if (bytes > LIMITS.textBytes) refuse(path, `${bytes} bytes, over the limit of ${LIMITS.textBytes}`);
  return value;
}

/** A short quoted rendering of untrusted text for messages. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

export const PEER_RULE = { pattern: PEER_ID, what: 'a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)' };
export const NAME_RULE = { pattern: NAME, what: 'a valid name (1–64 characters of A-Z a-z 0-9 _ . -)' };
export const UNIT_RULE = { pattern: UNIT, what: 'a valid unit (0–32 printable ASCII characters, no space)' };
const IFACE_RULE = { pattern: IFACE_NAME, what: 'a WIT interface name (namespace:package/interface)' };
const VERSION_RULE = { pattern: VERSION, what: 'a version (major.minor.patch[-pre])' };

function text(map: Map<unknown, unknown>, key: string, path: string, rule?: { pattern: RegExp; what: string }): string {
  return textValue(field(map, key, at(path, key), true), at(path, key), rule);
}

function optional<T>(map: Map<unknown, unknown>, key: string, read: (value: unknown, path: string) => T, path = ''): T | undefined {
  const value = map.get(key);
  return value === undefined ? undefined : read(value, at(path, key));
}

function array(map: Map<unknown, unknown>, key: string, max: number): unknown[] {
  const value = map.has(key) ? map.get(key) : [];
  if (!Array.isArray(value)) refuse(key, `expected an array, got ${cborType(value)}`);
  if (value.length > max) refuse(key, `${value.length} entries, over the limit of ${max}`);
  return value;
}

/** The envelope every frame shares: a map whose `v` is 1. */
function envelope(bytes: Uint8Array): Map<unknown, unknown> {
  return checkVersion(asMap(readCbor(bytes), ''));
}

function checkVersion(map: Map<unknown, unknown>): Map<unknown, unknown> {
  const v = field(map, 'v', 'v', true);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) refuse('v', `expected an unsigned integer, got ${cborType(v)}`);
  if (v !== PROTOCOL_VERSION) refuse('v', `unsupported major version ${v} (this host speaks ${PROTOCOL_VERSION})`);
  return map;
}

function peerId(map: Map<unknown, unknown>, peer: string | undefined): string {
  const id = text(map, 'id', '', PEER_RULE);
  if (peer !== undefined && id !== peer) refuse('id', `${quote(id)} does not match the topic's peer ${quote(peer)}`);
  return id;
}

/** Runs a decoder body, turning a refusal into `{ ok: false }`; anything else is a bug and propagates. */
export function decoding<T>(body: () => T): Decoded<T> {
  try {
    return { ok: true, frame: body() };
  } catch (error) {
    if (error instanceof FrameError) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Encodes `map`, then holds the bytes to the decoder's rules; a frame the decoder refuses is a caller bug. */
export function encoding<T>(what: string, map: unknown, check: (bytes: Uint8Array) => Decoded<T>): Uint8Array {
  const bytes = writeCbor(map);
  const result = check(bytes);
  if (!result.ok) throw new WasmhostError('bad-input', `cannot encode this ${what}: ${result.reason}`);
  return bytes;
}

// ---- birth and death ----------------------------------------------------------------

/** Options for birth and death decoding: the peer id from the topic, which the frame's `id` must equal. */
export interface PeerFrameOptions { peer?: string }

export function encodeBirth(frame: BirthFrame): Uint8Array {
  const map = new Map<string, unknown>([
    ['v', PROTOCOL_VERSION], ['id', frame.id], ['class', frame.class], ['seq', frame.seq],
    ['ifaces', frame.ifaces.map((i) => new Map([['name', i.name], ['version', i.version]]))],
    ['sensors', frame.sensors.map((s) => new Map([['name', s.name], ['unit', s.unit], ['kind', s.kind]]))],
    ['actuators', frame.actuators.map((a) => {
      const m = new Map<string, unknown>([['name', a.name], ['unit', a.unit], ['kind', a.kind]]);
      if (a.min !== undefined) m.set('min', a.min);
      if (a.max !== undefined) m.set('max', a.max);
      return m;
    })],
  ]);
  return encoding('birth frame', map, decodeBirth);
}

export function decodeBirth(bytes: Uint8Array, options: PeerFrameOptions = {}): Decoded<BirthFrame> {
  return decoding(() => {
    const map = envelope(bytes);
    const id = peerId(map, options.peer);
    const cls = text(map, 'class', '', NAME_RULE);
    const seq = uintField(map, 'seq', '', LIMITS.uint32);
    const ifaces = array(map, 'ifaces', LIMITS.ifaces).map((entry, i): PeerInterface => {
      const m = asMap(entry, `ifaces[${i}]`);
      return { name: text(m, 'name', `ifaces[${i}]`, IFACE_RULE), version: text(m, 'version', `ifaces[${i}]`, VERSION_RULE) };
    });
    const names = new Set<string>();
    const offer = (entry: unknown, path: string): SensorOffer => {
      const m = asMap(entry, path);
      const name = text(m, 'name', path, NAME_RULE);
      if (names.has(name)) refuse(`${path}.name`, `duplicate name ${quote(name)}`);
      names.add(name);
      return { name, unit: text(m, 'unit', path, UNIT_RULE), kind: text(m, 'kind', path, NAME_RULE) };
    };
    const sensors = array(map, 'sensors', LIMITS.sensors).map((entry, i) => offer(entry, `sensors[${i}]`));
    const actuators = array(map, 'actuators', LIMITS.actuators).map((entry, i): ActuatorOffer => {
      const path = `actuators[${i}]`;
      const actuator: ActuatorOffer = offer(entry, path);
      const m = entry as Map<unknown, unknown>;
      const min = optional(m, 'min', numberValue, path);
      const max = optional(m, 'max', numberValue, path);
      if (min !== undefined) actuator.min = min;
      if (max !== undefined) actuator.max = max;
      if (min !== undefined && max !== undefined && min > max) refuse(path, `min ${min} is greater than max ${max}`);
      return actuator;
    });
    return { id, class: cls, seq, ifaces, sensors, actuators };
  });
}

export function encodeDeath(frame: DeathFrame): Uint8Array {
  return encoding('death frame', new Map<string, unknown>([['v', PROTOCOL_VERSION], ['id', frame.id], ['seq', frame.seq]]), decodeDeath);
}

export function decodeDeath(bytes: Uint8Array, options: PeerFrameOptions = {}): Decoded<DeathFrame> {
  return decoding(() => {
    const map = envelope(bytes);
    return { id: peerId(map, options.peer), seq: uintField(map, 'seq', '', LIMITS.uint32) };
  });
}

// ---- rpc requests and replies ---------------------------------------------------------

export function encodeRpcRequest(frame: RpcRequestFrame): Uint8Array {
  const map = new Map<string, unknown>([['v', PROTOCOL_VERSION], ['id', frame.id], ['op', frame.op], ['name', frame.name]]);
  if (frame.op === 'set') map.set('value', frame.value);
  map.set('reply', frame.reply);
  return encoding('rpc request frame', map, decodeRpcRequest);
}

export function decodeRpcRequest(bytes: Uint8Array): DecodedRpcRequest {
  let replyTo: { id: number; reply: string } | undefined;
  const result = decoding((): RpcRequestFrame => {
    const map = asMap(readCbor(bytes), '');
    replyTo = salvageReplyTo(map);
    checkVersion(map);
    const id = uintField(map, 'id', '', LIMITS.uint32);
    const op = text(map, 'op', '');
    const name = text(map, 'name', '', NAME_RULE);
    const reply = text(map, 'reply', '');
    const problem = publishTopicProblem(reply);
    if (problem) refuse('reply', `${quote(reply)} is not a topic to publish to (${problem})`);
    if (op === 'read') return { id, op, name, reply };
    if (op !== 'set') refuse('op', `unknown op ${quote(op)}`);
    const value = field(map, 'value', 'value', false);
    if (value === undefined) refuse('value', 'missing (required for set)');
    return { id, op, name, value: numberValue(value, 'value'), reply };
  });
  return result.ok || !replyTo ? result : { ...result, replyTo };
}

/** The `id` and `reply` of a refused request, when both are usable for a `bad-request` answer. */
function salvageReplyTo(map: Map<unknown, unknown>): { id: number; reply: string } | undefined {
  const id = map.get('id');
  const reply = map.get('reply');
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > LIMITS.uint32) return undefined;
  if (typeof reply !== 'string' || publishTopicProblem(reply)) return undefined;
  return { id, reply };
}

export function encodeRpcReply(frame: RpcReplyFrame): Uint8Array {
  const map = new Map<string, unknown>([['v', PROTOCOL_VERSION], ['id', frame.id], ['ok', frame.ok]]);
  if (frame.ok) {
    if (frame.value !== undefined) map.set('value', frame.value);
    if (frame.unit !== undefined) map.set('unit', frame.unit);
    if (frame.t !== undefined) map.set('t', frame.t);
  } else {
    map.set('err', frame.err);
    map.set('msg', frame.msg);
  }
  return encoding('rpc reply frame', map, decodeRpcReply);
}

export function decodeRpcReply(bytes: Uint8Array): Decoded<RpcReplyFrame> {
  return decoding((): RpcReplyFrame => {
    const map = envelope(bytes);
    const id = uintField(map, 'id', '', LIMITS.uint32);
    const ok = field(map, 'ok', 'ok', true);
    if (typeof ok !== 'boolean') refuse('ok', `expected true or false, got ${cborType(ok)}`);
    if (!ok) {
      const err = text(map, 'err', '');
      if (!(RPC_ERROR_CODES as readonly string[]).includes(err)) refuse('err', `unknown error code ${quote(err)}`);
      return { id, ok, err: err as RpcErrorCode, msg: optional(map, 'msg', textValue) ?? '' };
    }
    const frame: RpcReplyFrame = { id, ok };
    const value = optional(map, 'value', numberValue);
    const unit = optional(map, 'unit', (v, p) => textValue(v, p, UNIT_RULE));
    const t = map.has('t') ? uintField(map, 't', '', Number.MAX_SAFE_INTEGER) : undefined;
    if (value !== undefined) frame.value = value;
    if (unit !== undefined) frame.unit = unit;
    if (t !== undefined) frame.t = t;
    return frame;
  });
}
