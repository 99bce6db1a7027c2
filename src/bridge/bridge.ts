// The bridge core: the host's side of docs/bridge-protocol.md over the MqttTransport port.
// It listens to every peer's birth, death, reply and data topics, keeps the peer registry,
// sends rpc requests and pairs the replies with them by envelope `id` (section 6), and fails
// requests at once when their peer is offline or after the timeout (section 12).
// Platform-neutral: no Node APIs.

import type { MqttMessage, MqttTransport } from '../ports/mqtt-transport.js';
import { createLogLimiter, createRateLimiter } from './rate-limit.js';
import { decodeBirth, decodeDeath, decodeRpcReply, encodeRpcRequest } from './codec.js';
import { decodeSenml } from './senml.js';
import {
  DEFAULT_TOPIC_ROOT, LIMITS, NAME, parsePeerTopic, peerTopicFilter, peerTopics, topicRootProblem,
  type RpcReplyFrame, type SenmlRecord,
} from './frames.js';
import { createPeerRegistry, type PeerChange, type PeerState } from './peer-registry.js';
import { noopTelemetry, type Telemetry } from '../telemetry/telemetry.js';

/** Why a request failed on the host's side (not a wire error: those come back as the reply). */
export type BridgeErrorCode = 'unavailable' | 'timeout' | 'bad-input';

/** A host-side rpc failure: peer unknown or offline (`unavailable`), no reply in time (`timeout`), a bad request (`bad-input`). */
export class BridgeError extends Error {
  readonly code: BridgeErrorCode;
  readonly peer?: string;
  constructor(code: BridgeErrorCode, message: string, peer?: string) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
    this.peer = peer;
  }
}

/** One request: read a sensor or actuator, or set an actuator. */
export type BridgeRequest = { op: 'read'; name: string } | { op: 'set'; name: string; value: number };

export interface BridgeOptions {
  /** A transport; its connect() must have resolved (or be under way) before createBridge subscribes. */
  transport: MqttTransport;
  /** Topic root (default `wasmhost/v1`). */
  root?: string;
  /** How long a request waits for its reply (default 5000 ms). */
  rpcTimeoutMs?: number;
  /** Bad frames, stale deaths and peers coming and going are reported here (default console.warn). */
  log?: (line: string) => void;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Unsolicited frames (births, deaths, data) per second one peer may send before the rest are dropped (default 200, bursts of 400). */
  framesPerSecond?: number;
  /** Peers the registry holds at most (default 1024). */
  maxPeers?: number;
  /**
   * The first rpc id for each peer (default: a random uint32). Replies come back on the peer's
   * one reply topic, which every host on the broker hears: random starts keep two hosts (a Linux
   * host and a browser page, say) from taking each other's replies.
   */
  firstRpcId?: number;
  /**
   * Each rpc becomes a `peer rpc` span, child of the span active when `rpc` is called (a workload's
   * import), its round trip a histogram; over MQTT 5 the request carries the span's W3C
   * `traceparent` as a user property. Peers online are a gauge.
   */
  telemetry?: Telemetry;
}

export interface Bridge {
  readonly root: string;
  /** Every known peer (online or not). */
  peers(): PeerState[];
  peer(id: string): PeerState | undefined;
  /**
   * Sends a request to `peer` and resolves with its reply (an `ok: false` reply included).
   * Rejects with a BridgeError: `unavailable` when the peer is unknown or offline (or goes
   * offline while waiting), `timeout` when no reply came in time, `bad-input` for a bad name or value.
   */
  rpc(peer: string, request: BridgeRequest): Promise<RpcReplyFrame>;
  /** Calls `listener` with each accepted SenML pack; returns a function that stops it. */
  onReading(listener: (records: SenmlRecord[], peer: string) => void): () => void;
  /** Calls `listener` on each peer change; returns a function that stops it. */
  onPeersChanged(listener: (change: PeerChange) => void): () => void;
  /** Unsubscribes, fails pending requests; the transport stays open (it is the caller's). */
  close(): Promise<void>;
}

interface Pending {
  peer: string;
  request: BridgeRequest;
  resolve: (reply: RpcReplyFrame) => void;
  reject: (error: BridgeError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const KINDS = ['birth', 'death', 'reply', 'data'] as const;

/** Subscribes to the peers' topics under `root` and resolves once the broker granted them. */
export async function createBridge(options: BridgeOptions): Promise<Bridge> {
  const { transport } = options;
  const root = options.root ?? DEFAULT_TOPIC_ROOT;
  const rootProblem = topicRootProblem(root);
  if (rootProblem) throw new BridgeError('bad-input', `bridge topic root '${root}' ${rootProblem}`);
  const timeoutMs = options.rpcTimeoutMs ?? 5000;
  const log = options.log ?? ((line: string) => console.warn(`bridge: ${line}`));
  const now = options.now ?? (() => Date.now());
  const perSecond = options.framesPerSecond ?? 200;
  const limiter = createRateLimiter(perSecond, perSecond * 2, options.now ?? Date.now);
  let lastFloodReport = 0;
  // One log line a second at most, naming each flooding peer and how many frames it lost.
  const reportFloods = () => {
    const t = (options.now ?? Date.now)();
    if (t - lastFloodReport < 1000) return;
    lastFloodReport = t;
    for (const [peer, count] of limiter.drainRefused()) log(`peer ${peer} sends faster than ${perSecond} frames/s: dropped ${count} frame(s)`);
  };
  const registry = createPeerRegistry({ maxPeers: options.maxPeers });
  // Bad frames and unmatched replies: a few lines per kind every 10 s, then a count.
  const limitedLog = createLogLimiter(log, now);
  const pending = new Map<string, Map<number, Pending>>();
  /** Ids of this bridge's requests that timed out, per peer (the last 32): a reply to one is late, not someone else's. */
  const timedOut = new Map<string, number[]>();
  const nextIds = new Map<string, number>();
  const firstId = options.firstRpcId ?? crypto.getRandomValues(new Uint32Array(1))[0];
  if (!Number.isInteger(firstId) || firstId < 0 || firstId > LIMITS.uint32) throw new BridgeError('bad-input', `firstRpcId ${firstId} is not a uint32`);
  const readingListeners = new Set<(records: SenmlRecord[], peer: string) => void>();
  const peerListeners = new Set<(change: PeerChange) => void>();
  const filters = KINDS.map((kind) => peerTopicFilter(root, kind));
  const telemetry = options.telemetry ?? noopTelemetry;
  let closed = false;

  const safely = (what: string, body: () => void) => {
    try {
      body();
    } catch (error) {
      log(`${what} threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  function emit(change: PeerChange): void {
    if (change.type === 'up') log(`peer ${change.peer} online (seq ${change.state.birth.seq})`);
    else log(`peer ${change.peer} ${change.type === 'down' ? 'offline' : 'forgotten'}`);
    if (change.type !== 'up') failPending(change.peer, offlineMessage(change.peer));
    peerListeners.forEach((listener) => safely('a peers-changed listener', () => listener(change)));
  }

  function failPending(peer: string, message: string): void {
    const mine = pending.get(peer);
    if (!mine) return;
    pending.delete(peer);
    for (const p of mine.values()) {
      clearTimeout(p.timer);
      p.reject(new BridgeError('unavailable', message, peer));
    }
  }

  function offlineMessage(peer: string): string {
    const state = registry.get(peer);
    if (!state) return `peer ${peer} is unknown (no birth received)`;
    return `peer ${peer} is offline (since ${new Date(state.since).toISOString()})`;
  }

  function onMessage(message: MqttMessage): void {
    if (closed) return;
    const where = parsePeerTopic(root, message.topic);
    if (!where) return; // another subscriber's topic on a shared transport
    const { peer, kind } = where;
    // Replies are bounded by the host's own requests; unsolicited frames are what a flood is made of.
    if (kind !== 'reply' && !limiter.take(peer)) return reportFloods();
    const drop = (reason: string) => limitedLog(`bad-${kind}`, `dropped a bad ${kind} frame on ${message.topic}: ${reason}`);
    switch (kind) {
      case 'birth': {
        if (message.payload.length === 0) return apply(registry.clear(peer));
        const decoded = decodeBirth(message.payload, { peer });
        return decoded.ok ? apply(registry.applyBirth(decoded.frame, now())) : drop(decoded.reason);
      }
      case 'death': {
        const decoded = decodeDeath(message.payload, { peer });
        return decoded.ok ? apply(registry.applyDeath(decoded.frame, now())) : drop(decoded.reason);
      }
      case 'reply': {
        const decoded = decodeRpcReply(message.payload);
        if (!decoded.ok) return drop(decoded.reason);
        const waiting = pending.get(peer)?.get(decoded.frame.id);
        if (!waiting) {
          // Every requester of this peer hears its replies (one reply topic per peer): a reply to
          // a request of another host or page is not ours to report. A late one to ours is.
          if (!timedOut.get(peer)?.includes(decoded.frame.id)) return;
          return limitedLog('late-reply', `ignored a reply of peer ${peer} with id ${decoded.frame.id}: it came after the request timed out`);
        }
        settle(waiting, decoded.frame.id);
        return waiting.resolve(decoded.frame);
      }
      case 'data': {
        const decoded = decodeSenml(message.payload, { peer, now: now() });
        if (!decoded.ok) return drop(decoded.reason);
        const records = decoded.frame;
        readingListeners.forEach((listener) => safely('a reading listener', () => listener(records, peer)));
        return;
      }
      default:
        return; // rpc: the host's own requests are not delivered (it does not subscribe to them)
    }
  }

  function apply(result: { change?: PeerChange; note?: string }): void {
    if (result.note) limitedLog(result.change ? 'peer-note' : 'peer-refused', result.note);
    if (result.change) emit(result.change);
  }

  function settle(p: Pending, id: number): void {
    clearTimeout(p.timer);
    const mine = pending.get(p.peer);
    mine?.delete(id);
    if (mine && mine.size === 0) pending.delete(p.peer);
  }

  /** The next id for `peer`: increasing, wrapping modulo 2^32, never one still pending. */
  function allocateId(peer: string): number {
    const mine = pending.get(peer);
    let id = nextIds.get(peer) ?? firstId;
    while (mine?.has(id)) id = id >= LIMITS.uint32 ? 0 : id + 1;
    nextIds.set(peer, id >= LIMITS.uint32 ? 0 : id + 1);
    return id;
  }

  /** Sends one request and pairs its reply (section 6); `traceparent` rides along as an MQTT 5 user property. */
  function send(peer: string, request: BridgeRequest, traceparent?: string): Promise<RpcReplyFrame> {
    if (closed) return Promise.reject(new BridgeError('unavailable', `the bridge is closed: cannot send ${request.op} ${request.name} to peer ${peer}`, peer));
    const state = registry.get(peer);
    if (!state || !state.online) return Promise.reject(new BridgeError('unavailable', offlineMessage(peer), peer));
    if (!NAME.test(request.name)) return Promise.reject(new BridgeError('bad-input', `'${request.name}' is not a valid sensor or actuator name`, peer));
    if (request.op === 'set' && !Number.isFinite(request.value)) {
      return Promise.reject(new BridgeError('bad-input', `set ${request.name}: value ${request.value} is not a finite number`, peer));
    }
    const topics = peerTopics(root, peer);
    const id = allocateId(peer);
    const frame = request.op === 'set'
      ? { id, op: 'set' as const, name: request.name, value: request.value, reply: topics.reply }
      : { id, op: 'read' as const, name: request.name, reply: topics.reply };
    let bytes: Uint8Array;
    try {
      bytes = encodeRpcRequest(frame);
    } catch (error) {
      return Promise.reject(new BridgeError('bad-input', error instanceof Error ? error.message : String(error), peer));
    }
    return new Promise<RpcReplyFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        settle(entry, id);
        const late = timedOut.get(peer) ?? [];
        timedOut.set(peer, [...late.slice(-31), id]);
        reject(new BridgeError('timeout', `peer ${peer} did not answer ${request.op} ${request.name} within ${timeoutMs} ms`, peer));
      }, timeoutMs);
      const entry: Pending = { peer, request, resolve, reject, timer };
      let mine = pending.get(peer);
      if (!mine) pending.set(peer, (mine = new Map()));
      mine.set(id, entry);
      // MQTT 5 (section 6): the same reply topic and id as properties, for generic request/response tooling.
      const options = transport.protocolVersion === 5
        ? { qos: 1 as const, properties: { responseTopic: topics.reply, correlationData: correlation(id), contentType: 'application/cbor', userProperties: traceparent ? [['traceparent', traceparent] as const] : undefined } }
        : { qos: 1 as const };
      transport.publish(topics.rpc, bytes, options).catch((error: unknown) => {
        if (pending.get(peer)?.get(id) !== entry) return;
        settle(entry, id);
        reject(new BridgeError('unavailable', `could not send ${request.op} ${request.name} to peer ${peer}: ${error instanceof Error ? error.message : String(error)}`, peer));
      });
    });
  }

  const stopGauge = telemetry.observe('wasmhost.peers.online', () => registry.list().filter((p) => p.online).length);
  const stopMessages = transport.onMessage((message) => {
    try {
      onMessage(message);
    } catch (error) {
      log(`a frame on ${message.topic} could not be handled: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  try {
    await transport.subscribe(filters, { qos: 1 });
  } catch (error) {
    stopMessages();
    stopGauge();
    throw error;
  }

  return {
    root,
    peers: () => registry.list(),
    peer: (id) => registry.get(id),
    rpc(peer, request) {
      if (!telemetry.enabled) return send(peer, request);
      const t0 = performance.now();
      const attributes = { 'wasmhost.peer': peer, 'wasmhost.rpc.op': request.op, 'wasmhost.rpc.name': request.name };
      const span = telemetry.startSpan(`peer rpc ${request.op}`, { parent: telemetry.activeSpan(), attributes });
      const done = (outcome: string, error?: unknown) => {
        telemetry.add('wasmhost.bridge.rpcs', 1, { 'wasmhost.peer': peer, 'wasmhost.outcome': outcome });
        telemetry.record('wasmhost.bridge.rpc.duration', performance.now() - t0, { 'wasmhost.peer': peer });
        span.end(error);
      };
      return send(peer, request, span.traceparent()).then(
        (reply) => (done(reply.ok ? 'ok' : reply.err), reply),
        (error: BridgeError) => {
          done(error.code, error);
          throw error;
        },
      );
    },
    onReading(listener) {
      readingListeners.add(listener);
      return () => readingListeners.delete(listener);
    },
    onPeersChanged(listener) {
      peerListeners.add(listener);
      return () => peerListeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      stopMessages();
      stopGauge();
      for (const peer of [...pending.keys()]) failPending(peer, `the bridge closed while waiting for peer ${peer}`);
      readingListeners.clear();
      peerListeners.clear();
      if (transport.connected) await transport.unsubscribe(filters).catch(() => undefined);
    },
  };
}

/** MQTT 5 Correlation Data: the id as 4 big-endian bytes. */
function correlation(id: number): Uint8Array {
  return new Uint8Array([(id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
}
