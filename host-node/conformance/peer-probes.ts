// The `peer` target: probes an embedded peer through an MQTT broker, as the host would talk
// to it (docs/bridge-protocol.md): its retained birth, rpc answers, bad frames, the data rate
// and, when the vendor can cut the peer off during the probe, its Last Will.
import { connectAsync, type MqttClient } from 'mqtt';
import { decodeBirth, decodeDeath, decodeRpcReply, encodeRpcRequest } from '../../src/bridge/codec.js';
import { readCbor, writeCbor } from '../../src/bridge/cbor.js';
import { DEFAULT_TOPIC_ROOT, peerTopics, PROTOCOL_VERSION, type BirthFrame, type PeerTopics, type RpcReplyFrame } from '../../src/bridge/frames.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { PEER_REQUIREMENTS, type Requirement } from '../../src/conformance/requirements.js';
import { brokerAccessProbe, duplicateProbe, reconnectProbe } from './peer-session-probes.js';

/** The documented rpc timeout of the host (docs/bridge-protocol.md, section 12). */
export const RPC_TIMEOUT_MS = 5000;
/** Frames per second a peer may send before the host drops them (its default framesPerSecond). */
export const MAX_FRAMES_PER_SECOND = 200;

/** Where the peer is, and how to reach the broker as the host. */
export interface PeerTarget {
  peerId: string;
  url: string;
  username?: string;
  password?: string;
  root?: string;
  /** How long a reply may take (default RPC_TIMEOUT_MS, the host's documented timeout). */
  rpcTimeoutMs?: number;
  /** How long the data rate is watched (default 5 s). */
  rateSeconds?: number;
  /**
   * How the peer is cut off for the Last Will probe, then brought back for the reconnect probe
   * (both last); without it, those probes are skipped, without `reconnect` the second one.
   */
  disconnect?: { prompt: () => void | Promise<void>; waitSeconds: number; reconnect?: () => void | Promise<void> };
}

const req = (id: string): Requirement => PEER_REQUIREMENTS.find((r) => r.id === id)!;

/** A message the probe's host connection received. */
export interface Message { topic: string; payload: Uint8Array; at: number }

/** Runs every `peer` probe; the results follow PEER_REQUIREMENTS' order. */
export async function runPeerProbes(target: PeerTarget): Promise<ProbeResult[]> {
  const topics = peerTopics(target.root ?? DEFAULT_TOPIC_ROOT, target.peerId);
  const client = await connectHost(target);
  const inbox: Message[] = [];
  client.on('message', (topic, payload) => inbox.push({ topic, payload: new Uint8Array(payload), at: performance.now() }));
  try {
    await client.subscribeAsync([topics.birth, topics.death, topics.reply, topics.data], { qos: 1 });
    const probe = new PeerProbe(client, topics, inbox, target.rpcTimeoutMs ?? RPC_TIMEOUT_MS);
    const birth = await probe.birth();
    const results = [birth.result];
    const sensor = birth.frame?.sensors[0]?.name;
    const read = await probe.read(sensor);
    const unknown = await probe.unknown();
    // Whether the peer survives bad frames is only seen in a peer that answered a good one.
    const answers = unknown.status === 'PASS' || (read.status === 'PASS' && sensor !== undefined);
    const skipped = (id: string) => result(req(id), 'SKIP', 'the peer answered no rpc (see PEER-rpc-read, PEER-rpc-unknown)');
    results.push(read, unknown, answers ? await probe.malformed(sensor) : skipped('PEER-rpc-malformed'));
    results.push(answers ? await duplicateProbe(probe, sensor) : skipped('PEER-rpc-duplicate'));
    results.push(await probe.dataRate(target.rateSeconds ?? 5));
    results.push(await brokerAccessProbe(target, client.options.protocolVersion === 5 ? 5 : 4));
    const will = await probe.will(birth.frame, target.disconnect);
    results.push(will, await reconnectProbe(probe, birth.frame, will, target.disconnect));
    return results;
  } finally {
    await client.endAsync(true);
  }
}

/** Connects as the host does: MQTT 5, or 3.1.1 when the broker refuses 5 (the embedded aedes broker). */
async function connectHost(target: PeerTarget): Promise<MqttClient> {
  const options = { clientId: `wasmhost-conformance-${process.pid}`, username: target.username, password: target.password, reconnectPeriod: 0, connectTimeout: 10_000 };
  try {
    return await connectAsync(target.url, { ...options, protocolVersion: 5 });
  } catch (error) {
    if ((error as { code?: number }).code !== 1 && (error as { code?: number }).code !== 132) throw error;
    return connectAsync(target.url, { ...options, protocolVersion: 4 });
  }
}

/** The host's side of the probes: one MQTT connection, everything it received, rpc helpers. */
export class PeerProbe {
  nextId = Math.floor(Math.random() * 1_000_000);

  constructor(readonly client: MqttClient, readonly topics: PeerTopics, readonly inbox: Message[], readonly timeoutMs: number) {}

  /** The first message matching `pred`, waiting up to `ms`. */
  async next(pred: (m: Message) => boolean, ms: number): Promise<Message | undefined> {
    const end = performance.now() + ms;
    for (;;) {
      const hit = this.inbox.find(pred);
      if (hit || performance.now() > end) return hit;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async birth(): Promise<{ result: ProbeResult; frame?: BirthFrame }> {
    const r = req('PEER-birth');
    const m = await this.next((m) => m.topic === this.topics.birth && m.payload.length > 0, 5000);
    if (!m) return { result: result(r, 'FAIL', `no retained birth on ${this.topics.birth} within 5 s of subscribing`) };
    const decoded = decodeBirth(m.payload, { peer: this.topics.birth.split('/').at(-2) });
    if (!decoded.ok) return { result: result(r, 'FAIL', `the birth does not decode: ${decoded.reason}`) };
    const f = decoded.frame;
    return { frame: f, result: result(r, 'PASS', `class ${f.class}, seq ${f.seq}, ${f.sensors.length} sensor(s), ${f.actuators.length} actuator(s)`) };
  }

  /** Publishes a request frame (or raw bytes) and waits for the reply carrying `id`. */
  async request(id: number, payload: Uint8Array, ms = this.timeoutMs): Promise<{ reply?: RpcReplyFrame; bad?: string; ms: number }> {
    const started = performance.now();
    const correlationData = Buffer.alloc(4);
    correlationData.writeUInt32BE(id);
    const properties = this.client.options.protocolVersion === 5 ? { responseTopic: this.topics.reply, correlationData, contentType: 'application/cbor' } : undefined;
    await this.client.publishAsync(this.topics.rpc, Buffer.from(payload), { qos: 1, properties });
    const m = await this.next((m) => m.topic === this.topics.reply && m.at >= started && replyId(m.payload) === id, ms);
    const elapsed = Math.round(performance.now() - started);
    if (!m) return { ms: elapsed };
    const decoded = decodeRpcReply(m.payload);
    return decoded.ok ? { reply: decoded.frame, ms: elapsed } : { bad: decoded.reason, ms: elapsed };
  }

  async rpcRead(name: string) {
    const id = this.nextId++;
    return this.request(id, encodeRpcRequest({ id, op: 'read', name, reply: this.topics.reply }));
  }

  async read(sensor: string | undefined): Promise<ProbeResult> {
    const r = req('PEER-rpc-read');
    if (sensor === undefined) return result(r, 'SKIP', 'the birth offers no sensor');
    const { reply, bad, ms } = await this.rpcRead(sensor);
    if (bad) return result(r, 'FAIL', `the reply to read ${sensor} is a bad frame: ${bad}`);
    if (!reply) return result(r, 'FAIL', `no reply to read ${sensor} within ${this.timeoutMs} ms`);
    if (!reply.ok) return result(r, 'FAIL', `read ${sensor} answered ${reply.err}: ${reply.msg}`);
    if (reply.value === undefined) return result(r, 'FAIL', `read ${sensor} answered ok without a value`);
    return result(r, 'PASS', `read ${sensor} = ${reply.value}${reply.unit ? ` ${reply.unit}` : ''} in ${ms} ms`);
  }

  async unknown(): Promise<ProbeResult> {
    const r = req('PEER-rpc-unknown');
    const name = 'conformance-no-such-sensor';
    const { reply, bad } = await this.rpcRead(name);
    if (bad) return result(r, 'FAIL', `the reply is a bad frame: ${bad}`);
    if (!reply) return result(r, 'FAIL', `no reply to read ${name} within ${this.timeoutMs} ms`);
    if (!reply.ok && reply.err === 'not-found') return result(r, 'PASS', `answered not-found${reply.msg ? `: ${reply.msg}` : ''}`);
    return result(r, 'FAIL', `answered ${reply.ok ? 'ok' : reply.err} instead of not-found`);
  }

  async malformed(sensor: string | undefined): Promise<ProbeResult> {
    const r = req('PEER-rpc-malformed');
    const seen: string[] = [];
    // Not CBOR at all: only dropped (nothing to answer to).
    await this.client.publishAsync(this.topics.rpc, Buffer.from([0xff, 0x00, 0x13, 0x37]), { qos: 1 });
    // An unknown op with a usable id and reply: answered bad-request (section 8).
    const id = this.nextId++;
    const bad = writeCbor(new Map<string, unknown>([['v', PROTOCOL_VERSION], ['id', id], ['op', 'conformance-bogus'], ['name', 'x'], ['reply', this.topics.reply]]));
    const answer = await this.request(id, bad);
    if (answer.bad) return result(r, 'FAIL', `the reply to an unknown op is a bad frame: ${answer.bad}`);
    if (answer.reply?.ok) return result(r, 'FAIL', 'an unknown op was answered ok');
    seen.push(answer.reply ? `unknown op answered ${answer.reply.err}` : 'unknown op ignored');
    if (answer.reply && answer.reply.err !== 'bad-request') return result(r, 'FAIL', `an unknown op was answered ${answer.reply.err} instead of bad-request`);
    const alive = await this.rpcRead(sensor ?? 'conformance-no-such-sensor');
    if (!alive.reply) return result(r, 'FAIL', `after bad frames (${seen.join(', ')}) the peer no longer answers`);
    return result(r, 'PASS', `${seen.join(', ')}; garbage dropped; still answering`);
  }

  async dataRate(seconds: number): Promise<ProbeResult> {
    const r = req('PEER-data-rate');
    const from = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const frames = this.inbox.filter((m) => m.at >= from && m.topic !== this.topics.birth && m.topic !== this.topics.death).length;
    const rate = frames / seconds;
    const detail = `${frames} frame(s) in ${seconds} s (${rate.toFixed(1)}/s, limit ${MAX_FRAMES_PER_SECOND}/s)`;
    return result(r, rate <= MAX_FRAMES_PER_SECOND ? 'PASS' : 'FAIL', detail);
  }

  async will(birth: BirthFrame | undefined, disconnect: PeerTarget['disconnect']): Promise<ProbeResult> {
    const r = req('PEER-will');
    if (!birth) return result(r, 'SKIP', 'no birth to match a death against');
    if (!disconnect) return result(r, 'SKIP', 'needs the peer cut off during the probe: run with --will-wait <seconds> and disconnect it (power, network) when asked');
    const from = performance.now();
    await disconnect.prompt();
    const m = await this.next((m) => m.topic === this.topics.death && m.at >= from, disconnect.waitSeconds * 1000);
    if (!m) return result(r, 'FAIL', `no death on ${this.topics.death} within ${disconnect.waitSeconds} s of the disconnect`);
    const death = decodeDeath(m.payload, { peer: birth.id });
    if (!death.ok) return result(r, 'FAIL', `the death does not decode: ${death.reason}`);
    if (death.frame.seq !== birth.seq) return result(r, 'FAIL', `the death carries seq ${death.frame.seq}, the birth ${birth.seq}`);
    return result(r, 'PASS', `death with seq ${death.frame.seq} after ${Math.round(performance.now() - from)} ms`);
  }
}

/** The `id` of a reply frame, before it is checked in full (to match a bad reply to its request). */
export function replyId(payload: Uint8Array): number | undefined {
  try {
    const value = readCbor(payload);
    const id = value instanceof Map ? value.get('id') : undefined;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined; // a frame that is not CBOR has no id to match
  }
}
