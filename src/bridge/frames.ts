// The bridge's wire vocabulary (docs/bridge-protocol.md): frame shapes, limits, name
// rules and topics. Types and pure helpers only; the CBOR lives in codec.ts and senml.ts.

import { WasmhostError } from '../errors.js';

/** The protocol's major version: the `v` of every frame. */
export const PROTOCOL_VERSION = 1;
/** The topic root when none is configured. */
export const DEFAULT_TOPIC_ROOT = 'wasmhost/v1';

/** Every limit a receiver enforces, in one place (the doc's "Size limits" table). */
export const LIMITS = {
  frameBytes: 4096,
  depth: 16,
  sensors: 256,
  actuators: 256,
  ifaces: 64,
  senmlRecords: 256,
  textBytes: 256, // msg, vs, reply topic, unknown-purpose text is not checked
  unitBytes: 32,
  rootBytes: 128,
  uint32: 0xffff_ffff,
} as const;

/** A peer id: 1–64 characters of A–Z a–z 0–9 _ -. */
export const PEER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A sensor, actuator, kind or class name: 1–64 characters of A–Z a–z 0–9 _ . - */
export const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A unit: 0–32 printable ASCII characters, no space (SenML units such as `Cel`, `%RH`, `m/s2`). */
export const UNIT = /^[\x21-\x7e]{0,32}$/;
/** A WIT interface name without version: `namespace:package/interface`. */
export const IFACE_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/;
/** A semantic version `major.minor.patch[-pre]`. */
export const VERSION = /^\d{1,9}\.\d{1,9}\.\d{1,9}(-[0-9A-Za-z.-]{1,32})?$/;

/** One WIT interface a peer implements. */
export interface PeerInterface { name: string; version: string }
/** One sensor a peer offers: `unit` is a SenML unit ("" when unitless), `kind` says what it measures. */
export interface SensorOffer { name: string; unit: string; kind: string }
/** One actuator a peer offers, with the accepted value range when it has one. */
export interface ActuatorOffer { name: string; unit: string; kind: string; min?: number; max?: number }

/** A peer's retained announcement: who it is and what it offers, numbered per connect. */
export interface BirthFrame {
  id: string;
  class: string;
  seq: number;
  ifaces: PeerInterface[];
  sensors: SensorOffer[];
  actuators: ActuatorOffer[];
}

/** A peer's Last Will (or clean goodbye), carrying the `seq` of the birth it ends. */
export interface DeathFrame { id: string; seq: number }

/** A host → peer request: read a sensor or actuator, or set an actuator. */
export type RpcRequestFrame =
  | { id: number; op: 'read'; name: string; reply: string }
  | { id: number; op: 'set'; name: string; value: number; reply: string };

/** The error codes a peer answers with (the doc's "Error codes" table). */
export type RpcErrorCode = 'not-found' | 'out-of-range' | 'unavailable' | 'bad-request';
export const RPC_ERROR_CODES: readonly RpcErrorCode[] = ['not-found', 'out-of-range', 'unavailable', 'bad-request'];

/** A peer's answer to one request: `value`/`unit`/`t` come with a read, a set answers with `ok` alone. */
export type RpcReplyFrame =
  | { id: number; ok: true; value?: number; unit?: string; t?: number }
  | { id: number; ok: false; err: RpcErrorCode; msg: string };

/** One resolved SenML measurement: `name` is `<peer>/<sensor>`, `time` in ms since the epoch. */
export interface SenmlRecord {
  name: string;
  unit?: string;
  value?: number;
  stringValue?: string;
  boolValue?: boolean;
  time: number;
}

/** What every decoder returns: the checked frame, or why it was refused. Decoders never throw. */
export type Decoded<T> = { ok: true; frame: T } | { ok: false; reason: string };

/**
 * What decodeRpcRequest returns: a refused request still carries its `id` and `reply` topic
 * when those two were readable, so the peer can answer `bad-request`.
 */
export type DecodedRpcRequest =
  | { ok: true; frame: RpcRequestFrame }
  | { ok: false; reason: string; replyTo?: { id: number; reply: string } };

/** The five per-peer topics. */
export type PeerTopicKind = 'birth' | 'death' | 'rpc' | 'reply' | 'data';
export const PEER_TOPIC_KINDS: readonly PeerTopicKind[] = ['birth', 'death', 'rpc', 'reply', 'data'];

/** A peer's topics under a root. */
export type PeerTopics = Record<PeerTopicKind, string>;

/** Why `root` cannot be a topic root, or undefined when it can. */
export function topicRootProblem(root: string): string | undefined {
  if (root === '' || utf8Length(root) > LIMITS.rootBytes) return `must be 1–${LIMITS.rootBytes} bytes`;
  if (/[+#\u0000]/.test(root)) return 'must not contain +, # or NUL';
  if (root.startsWith('$')) return 'must not start with $';
  if (root.split('/').some((level) => level === '')) return 'must not have empty levels';
  return undefined;
}

/** Why `topic` cannot be published to (a `reply` topic), or undefined when it can. */
export function publishTopicProblem(topic: string): string | undefined {
  if (topic === '' || utf8Length(topic) > LIMITS.textBytes) return `must be 1–${LIMITS.textBytes} bytes`;
  if (/[+#\u0000]/.test(topic)) return 'must not contain +, # or NUL';
  return undefined;
}

/** The topics of `peer` under `root`. Throws `bad-input` for an invalid root or peer id. */
export function peerTopics(root: string, peer: string): PeerTopics {
  checkRoot(root);
  if (!PEER_ID.test(peer)) {
    throw new WasmhostError('bad-input', `'${peer}' is not a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)`);
  }
  const base = `${root}/peers/${peer}/`;
  return { birth: base + 'birth', death: base + 'death', rpc: base + 'rpc', reply: base + 'reply', data: base + 'data' };
}

/** The subscription filter matching `kind` for every peer: `<root>/peers/+/<kind>`. */
export function peerTopicFilter(root: string, kind: PeerTopicKind): string {
  checkRoot(root);
  return `${root}/peers/+/${kind}`;
}

function checkRoot(root: string): void {
  const problem = topicRootProblem(root);
  if (problem) throw new WasmhostError('bad-input', `bridge topic root '${root}' ${problem}`);
}

/** The peer and kind of a peer topic under `root`; undefined for anything else or an invalid peer id. */
export function parsePeerTopic(root: string, topic: string): { peer: string; kind: PeerTopicKind } | undefined {
  const prefix = `${root}/peers/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length).split('/');
  if (rest.length !== 2) return undefined;
  const [peer, kind] = rest;
  if (!PEER_ID.test(peer) || !(PEER_TOPIC_KINDS as readonly string[]).includes(kind)) return undefined;
  return { peer, kind: kind as PeerTopicKind };
}

/** The number of bytes `text` takes in UTF-8 (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
