// Simulated embedded peers speaking the wasmhost bridge protocol v1 (docs/bridge-protocol.md),
// each on its own MQTT connection, with a `temperature` sensor (Cel) and an on/off `relay`
// actuator (0..1). Used by `wasmhost peer-sim`, examples/peer-sim/peer-sim.mjs and the benches.
//
// Peer ids are `<prefix>-1` … `<prefix>-N`. Each peer connects with its death as Last Will,
// publishes its retained birth, answers `read`/`set` on its rpc topic (MQTT 5 Response Topic +
// Correlation Data when present, else the envelope's `reply`), and publishes a SenML CBOR pack
// `rate` times a second (0: none). The birth seq is the wall clock in seconds (or the previous
// seq + 1), so it grows across reconnects and restarts a second apart.
import { connect as mqttConnect, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
// cbor-x without its native string extractor (about 5 MiB of RSS; frames are small).
import { Decoder, type Options as CborOptions } from 'cbor-x/decode';
import { Encoder } from 'cbor-x/encode';
import { WasmhostError } from '../src/errors.js';

const MAX_FRAME = 4096;
/** CONNACK codes (3.1.1 and 5) of a broker that does not speak the protocol version asked for. */
const VERSION_REFUSED = new Set([1, 132]);

/** The broker refused a peer's connection (CONNACK with an error code): retrying will not help. */
class Refused extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** What a refusal means for the person running peer-sim, and what to do. */
function refusalHint(code: number, version: number): string {
  if (VERSION_REFUSED.has(code)) return ` (asked for MQTT ${version === 5 ? '5' : '3.1.1'}; use --mqtt ${version === 5 ? 4 : 5})`;
  if ([4, 5, 134, 135].includes(code)) return ' (give --password-file with the secret `wasmhost peer add <id>` wrote, for a broker using the same --state)';
  return '';
}
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface PeerSimOptions {
  /** Broker, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** How many peers (1..10000). */
  count: number;
  /** Topic root (default `wasmhost/v1`). */
  root?: string;
  /** SenML packs per second per peer, 0..100 (default 1; 0 for none). */
  rate?: number;
  /** Peer ids are `<prefix>-<n>` (default `sim`). */
  prefix?: string;
  /** With a password, each peer logs in with username = its id. */
  password?: string;
  /** Per-peer secrets (`wasmhost peer add`), by peer id; win over `password`. */
  passwords?: Record<string, string>;
  /**
   * 4 (MQTT 3.1.1) or 5. Unset: 5, and 4 when the broker refuses 5 (aedes, `wasmhost serve`'s
   * embedded broker, speaks only 3.1.1).
   */
  protocolVersion?: 4 | 5;
  /** Also report every data publish. */
  verbose?: boolean;
  /** stdout lines: `birth <id> seq=<n>`, one per rpc, `<id> relay=<v>` (default: none). */
  out?: (line: string) => void;
  /** Errors of single peers (default: none). */
  err?: (line: string) => void;
  /** How many peers connect at once (default all). */
  connectConcurrency?: number;
}

export interface PeerSim {
  ids: string[];
  /** Every peer publishes its death, then disconnects. */
  stop(): Promise<void>;
}

/** Checks the options; throws a WasmhostError('bad-input') naming the first bad one. */
export function checkPeerSimOptions(o: PeerSimOptions): void {
  const bad = (m: string) => { throw new WasmhostError('bad-input', `peer-sim: ${m}`); };
  const rate = o.rate ?? 1;
  const prefix = o.prefix ?? 'sim';
  const root = o.root ?? 'wasmhost/v1';
  if (!o.url) bad('--url is required');
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 10000) bad('--count must be an integer 1..10000');
  if (!Number.isFinite(rate) || rate < 0 || rate > 100) bad('--rate must be a number of hz, 0..100');
  const v = o.protocolVersion ?? 5;
  if (v !== 4 && v !== 5) bad('--mqtt must be 4 (3.1.1) or 5');
  if (!root || /[+#\0]/.test(root)) bad('--root must be a topic name without wildcards');
  if (!ID_RE.test(`${prefix}-${o.count}`)) bad('--prefix must make ids of 1-64 characters of [A-Za-z0-9_-]');
}

// Plain CBOR: no record extension, no tag 259 around Maps (SenML needs integer keys).
const encoder = new Encoder({ useRecords: false, useTag259ForMaps: false, variableMapSize: true } as CborOptions);
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true } as CborOptions);
const encode = (value: unknown): Buffer => Buffer.from(encoder.encode(value));

type RpcRequest = { id: number | bigint; op: string; name: string; value?: number; reply?: string };
type Parsed = { req: RpcRequest; id?: undefined; reply?: undefined; bad?: undefined } | { req?: undefined; id?: number | bigint; reply?: string; bad: string };

const isUintId = (id: unknown): id is number | bigint =>
  (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) || (typeof id === 'bigint' && id >= 0n && id < 2n ** 64n);

/** Checks an rpc frame. */
function parseRpc(payload: Buffer): Parsed {
  if (payload.length > MAX_FRAME) return { bad: `frame of ${payload.length} bytes (limit ${MAX_FRAME})` };
  let msg: any;
  try {
    msg = decoder.decode(payload);
  } catch (error) {
    return { bad: `not CBOR: ${(error as Error).message}` };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || msg instanceof Map || ArrayBuffer.isView(msg)) {
    return { bad: 'not a CBOR map' };
  }
  const has = (k: string) => Object.prototype.hasOwnProperty.call(msg, k);
  const id = has('id') && isUintId(msg.id) ? msg.id : undefined;
  const reply = has('reply') && typeof msg.reply === 'string' && msg.reply.length > 0 && !/[+#\0]/.test(msg.reply) ? msg.reply as string : undefined;
  const bad = (why: string): Parsed => ({ id, reply, bad: why });
  if (!has('v') || msg.v !== 1) return bad('v must be 1');
  if (id === undefined) return bad(has('id') ? 'id must be an unsigned integer' : 'missing id');
  if (typeof msg.op !== 'string') return bad('op must be a text string');
  if (typeof msg.name !== 'string') return bad('name must be a text string');
  if (has('value') && typeof msg.value !== 'number') return bad('value must be a number');
  if (has('reply') && reply === undefined) return bad('reply must be a topic name');
  return { req: { id, op: msg.op, name: msg.name, value: has('value') ? msg.value : undefined, reply } };
}

class SimPeer {
  readonly id: string;
  readonly base: string;
  private seq = 0;
  private seqUsed = true;
  private relay = 0;
  private temperature = 18 + Math.random() * 6;
  private dataTimer: ReturnType<typeof setInterval> | undefined;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private client: MqttClient | undefined;
  private stopped = false;

  constructor(index: number, private readonly o: Required<Omit<PeerSimOptions, 'password' | 'passwords' | 'connectConcurrency' | 'protocolVersion'>> & { password?: string; passwords?: Record<string, string>; protocolVersion?: 4 | 5 }) {
    this.id = `${o.prefix}-${index}`;
    this.base = `${o.root}/peers/${this.id}`;
    this.nextSeq();
  }

  private secret(): string | undefined {
    return this.o.passwords?.[this.id] ?? this.o.password;
  }

  /** A uint32 (as the host requires): the wall clock in seconds, or the previous seq + 1. */
  private nextSeq(): void {
    if (!this.seqUsed) return;
    const now = Math.floor(Date.now() / 1000);
    this.seq = now > this.seq ? now : this.seq + 1;
    this.seqUsed = false;
  }

  private death(): Buffer {
    return encode({ v: 1, id: this.id, seq: this.seq });
  }

  private birth(): Buffer {
    return encode({
      v: 1,
      id: this.id,
      class: 'embedded-peer',
      seq: this.seq,
      ifaces: [
        { name: 'wasmhost:device/sensors', version: '0.1.0' },
        { name: 'wasmhost:device/actuators', version: '0.1.0' },
      ],
      sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }],
      actuators: [{ name: 'relay', unit: '', kind: 'relay', min: 0, max: 1 }],
    });
  }

  private readTemperature(): number {
    return Math.round(this.temperature * 100) / 100;
  }

  /** The protocol version in use: the one asked for, or 5 until a broker refuses it. */
  private version: 4 | 5 = 5;

  /**
   * Connects; resolves once the first birth is acknowledged. Rejects when the broker refuses
   * the connection (bad credentials, protocol version), after falling back to MQTT 3.1.1 when
   * no version was asked for and the broker refused 5.
   */
  async start(): Promise<void> {
    this.version = this.o.protocolVersion ?? 5;
    try {
      await this.connect();
    } catch (error) {
      if (!(error instanceof Refused && VERSION_REFUSED.has(error.code) && this.o.protocolVersion === undefined && this.version === 5)) throw error;
      this.version = 4;
      await this.connect();
    }
  }

  private connect(): Promise<void> {
    const o = this.o;
    return new Promise((resolve, reject) => {
      const client = mqttConnect(o.url, {
        clientId: this.id,
        clean: true,
        protocolVersion: this.version,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        username: this.secret() !== undefined ? this.id : undefined,
        password: this.secret(),
        will: { topic: `${this.base}/death`, payload: this.death(), qos: 1, retain: false },
      });
      this.client = client;
      let first = true;
      client.on('connect', () => {
        this.seqUsed = true;
        client.subscribe(`${this.base}/rpc`, { qos: 1 }, (err) => {
          if (err) o.err(`${this.id}: subscribe failed: ${err.message}`);
        });
        client.publish(`${this.base}/birth`, this.birth(), { qos: 1, retain: true }, (err) => {
          if (err) {
            o.err(`${this.id}: birth failed: ${err.message}`);
            if (first) reject(err);
            return;
          }
          o.out(`birth ${this.id} seq=${this.seq}`);
          if (first) {
            first = false;
            resolve();
          }
        });
      });
      client.on('close', () => {
        // The next connect carries a new seq, in its will as in its birth.
        this.nextSeq();
        if (client.options.will) client.options.will.payload = this.death();
      });
      client.on('error', (err: Error & { code?: unknown }) => {
        if (first && typeof err.code === 'number') {
          // A refusal, not a network error: mqtt.js would retry it forever.
          first = false;
          this.client = undefined;
          client.end(true);
          reject(new Refused(err.code, `${this.id}: ${o.url} refused the connection: ${err.message}${refusalHint(err.code, this.version)}`));
          return;
        }
        o.err(`${this.id}: ${err.message}`);
      });
      client.on('message', (_topic, payload, packet) => this.onRpc(payload, packet));
      if (o.rate > 0) {
        const period = 1000 / o.rate;
        // Spread the peers over one period so that they do not publish in bursts.
        this.startTimer = setTimeout(() => {
          if (!this.stopped) this.dataTimer = setInterval(() => this.publishData(), period);
        }, Math.random() * period);
      }
    });
  }

  private publishData(): void {
    this.temperature = Math.min(30, Math.max(15, this.temperature + (Math.random() - 0.5) * 0.2));
    if (!this.client?.connected) return;
    const pack = [
      new Map<number, unknown>([[-2, `${this.id}/`], [-3, Date.now() / 1000], [0, 'temperature'], [1, 'Cel'], [2, this.readTemperature()]]),
      new Map<number, unknown>([[0, 'relay'], [2, this.relay]]),
    ];
    this.client.publish(`${this.base}/data`, encode(pack), { qos: 1 });
    if (this.o.verbose) this.o.out(`data ${this.id} temperature=${this.readTemperature().toFixed(2)} relay=${this.relay}`);
  }

  private answer({ id, op, name, value }: RpcRequest): Record<string, unknown> {
    const out = this.o.out;
    const error = (err: string, msg: string) => ({ v: 1, id, ok: false, err, msg });
    if (op === 'read') {
      if (name !== 'temperature' && name !== 'relay') {
        out(`rpc ${this.id} read ${JSON.stringify(name)} -> not-found`);
        return error('not-found', `no sensor or actuator named ${JSON.stringify(name)}`);
      }
      const v = name === 'temperature' ? this.readTemperature() : this.relay;
      out(`rpc ${this.id} read ${name} -> ${v.toFixed(2)}`);
      return { v: 1, id, ok: true, value: v, unit: name === 'temperature' ? 'Cel' : '', t: Date.now() };
    }
    if (op === 'set') {
      if (name !== 'relay') {
        out(`rpc ${this.id} set ${JSON.stringify(name)} -> not-found`);
        return error('not-found', `no actuator named ${JSON.stringify(name)}`);
      }
      if (value === undefined) return error('bad-request', 'set needs a value');
      if (value !== 0 && value !== 1) {
        out(`rpc ${this.id} set relay ${value} -> out-of-range`);
        return error('out-of-range', `relay takes 0 or 1, not ${value}`);
      }
      this.relay = value;
      out(`rpc ${this.id} set relay ${value} -> ok`);
      out(`${this.id} relay=${value}`);
      return { v: 1, id, ok: true };
    }
    out(`rpc ${this.id} bad-request: unknown op`);
    return error('bad-request', 'op must be "read" or "set"');
  }

  private onRpc(payload: Buffer, packet: IPublishPacket): void {
    const out = this.o.out;
    const props = packet.properties ?? {};
    const parsed = parseRpc(payload);
    const id = parsed.req?.id ?? parsed.id;
    const responseTopic = typeof props.responseTopic === 'string' && !/[+#]/.test(props.responseTopic) ? props.responseTopic : undefined;
    const topic = responseTopic ?? parsed.req?.reply ?? parsed.reply;
    if (id === undefined) return out(`rpc ${this.id} dropped: ${parsed.bad}`);
    if (topic === undefined) return out(`rpc ${this.id} dropped: no reply address`);
    let reply: Record<string, unknown>;
    if (parsed.bad !== undefined) {
      out(`rpc ${this.id} bad-request: ${parsed.bad}`);
      reply = { v: 1, id, ok: false, err: 'bad-request', msg: parsed.bad };
    } else {
      reply = this.answer(parsed.req);
    }
    const options: IClientPublishOptions = { qos: 1 };
    if (this.version === 5 && props.correlationData) options.properties = { correlationData: props.correlationData };
    this.client?.publish(topic, encode(reply), options);
  }

  /** Publishes the death itself (a clean goodbye), then disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.startTimer);
    clearInterval(this.dataTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        client.publish(`${this.base}/death`, this.death(), { qos: 1 }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await client.endAsync().catch(() => {});
  }
}

/** Starts `count` simulated peers; resolves once every birth is acknowledged (stopping them all if one fails). */
export async function startPeerSim(options: PeerSimOptions): Promise<PeerSim> {
  checkPeerSimOptions(options);
  const o = {
    url: options.url,
    count: options.count,
    root: options.root ?? 'wasmhost/v1',
    rate: options.rate ?? 1,
    prefix: options.prefix ?? 'sim',
    password: options.password,
    passwords: options.passwords,
    protocolVersion: options.protocolVersion,
    verbose: options.verbose ?? false,
    out: options.out ?? (() => {}),
    err: options.err ?? (() => {}),
  };
  const peers = Array.from({ length: o.count }, (_, i) => new SimPeer(i + 1, o));
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= Promise.all(peers.map((p) => p.stop())).then(() => undefined));
  try {
    const limit = Math.max(1, options.connectConcurrency ?? peers.length);
    for (let i = 0; i < peers.length; i += limit) await Promise.all(peers.slice(i, i + limit).map((p) => p.start()));
  } catch (error) {
    await stop();
    throw new WasmhostError('io', `peer-sim: ${(error as Error).message}`, { cause: error });
  }
  return { ids: peers.map((p) => p.id), stop };
}
