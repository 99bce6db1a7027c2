// The bridge frames in CBOR (RFC 8949): pure encode/decode pairs, no I/O. Decoders check
// every inbound frame against docs/bridge-protocol.md and never throw; encoders run the
// same checks on what they produce and throw `bad-input` for a frame no peer would accept.

import { FrameError, readCbor, refuse, writeCbor } from './cbor.js';

import { WasmhostError } from '../errors.js';
import {
  LIMITS, NAME, PEER_ID, UNIT, IFACE_NAME, VERSION, PROTOCOL_VERSION, RPC_ERROR_CODES, publishTopicProblem,
  utf8Length,
  type ActuatorOffer, type BirthFrame, type DeathFrame, type Decoded, type DecodedRpcRequest, type PeerInterface,
  type RpcErrorCode, type RpcReplyFrame, type RpcRequestFrame, type SensorOffer,
} from './frames.js';

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
