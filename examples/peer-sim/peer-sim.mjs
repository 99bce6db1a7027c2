#!/usr/bin/env node
// Simulates N embedded peers speaking the wasmhost bridge protocol v1
// (docs/bridge-protocol.md), each with a `temperature` sensor (Cel) and an on/off
// `relay` actuator (0..1), each on its own MQTT connection.
//
//   node examples/peer-sim/peer-sim.mjs --url mqtt://127.0.0.1:1883 --count N
//        [--root wasmhost/v1] [--rate hz] [--prefix sim] [--password P]
//        [--mqtt 4|5] [--verbose]
//
// Peer ids are `<prefix>-1` … `<prefix>-N`. Each peer connects with its death as
// Last Will, publishes its retained birth, answers `read`/`set` on its rpc topic
// (MQTT 5 Response Topic + Correlation Data when present, else the envelope's
// `reply`), and publishes a SenML CBOR pack `--rate` times a second (default 1,
// 0 for none). The birth seq is the wall clock in seconds (or the previous
// seq + 1), so it grows across reconnects and restarts a second apart. With --password each peer logs in
// with username = its id. SIGTERM/SIGINT: every peer publishes its death, then exit 0.
//
// stdout: `birth <id> seq=<n>` per peer, `ready <N>` once all births are
// acknowledged, then one line per rpc (`rpc <id> read temperature -> 21.50`,
// `<id> relay=1`). Data publishes are printed only with --verbose.
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { Decoder, Encoder } from 'cbor-x';

const MAX_FRAME = 4096;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    count: { type: 'string', default: '1' },
    root: { type: 'string', default: 'wasmhost/v1' },
    rate: { type: 'string', default: '1' },
    prefix: { type: 'string', default: 'sim' },
    password: { type: 'string' },
    mqtt: { type: 'string', default: '5' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message) {
  process.stderr.write(`peer-sim: ${message}\n`);
  process.exit(2);
}

if (opts.help) {
  process.stdout.write('usage: peer-sim.mjs --url mqtt://host:port --count N [--root wasmhost/v1] [--rate hz] [--prefix sim] [--password P] [--mqtt 4|5] [--verbose]\n');
  process.exit(0);
}
const count = Number(opts.count);
const rate = Number(opts.rate);
const protocolVersion = Number(opts.mqtt);
if (!Number.isInteger(count) || count < 1 || count > 10000) fail('--count must be an integer 1..10000');
if (!Number.isFinite(rate) || rate < 0 || rate > 100) fail('--rate must be a number of hz, 0..100');
if (protocolVersion !== 4 && protocolVersion !== 5) fail('--mqtt must be 4 (3.1.1) or 5');
if (!opts.root || /[+#\0]/.test(opts.root)) fail('--root must be a topic name without wildcards');
if (!ID_RE.test(`${opts.prefix}-${count}`)) fail('--prefix must make ids of 1-64 characters of [A-Za-z0-9_-]');

// Plain CBOR: no record extension, no tag 259 around Maps (SenML needs integer keys).
const encoder = new Encoder({ useRecords: false, useTag259ForMaps: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

function out(line) {
  process.stdout.write(`${line}\n`);
}

const isUintId = (id) =>
  (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) || (typeof id === 'bigint' && id >= 0n && id < 2n ** 64n);

/** Checks an rpc frame. Returns { req } or { id?, reply?, bad }. */
function parseRpc(payload) {
  if (payload.length > MAX_FRAME) return { bad: `frame of ${payload.length} bytes (limit ${MAX_FRAME})` };
  let msg;
  try {
    msg = decoder.decode(payload);
  } catch (error) {
    return { bad: `not CBOR: ${error.message}` };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || msg instanceof Map || ArrayBuffer.isView(msg)) {
    return { bad: 'not a CBOR map' };
  }
  const has = (k) => Object.prototype.hasOwnProperty.call(msg, k);
  const id = has('id') && isUintId(msg.id) ? msg.id : undefined;
  const reply = has('reply') && typeof msg.reply === 'string' && msg.reply.length > 0 && !/[+#\0]/.test(msg.reply) ? msg.reply : undefined;
  const bad = (why) => ({ id, reply, bad: why });
  if (!has('v') || msg.v !== 1) return bad('v must be 1');
  if (id === undefined) return bad(has('id') ? 'id must be an unsigned integer' : 'missing id');
  if (typeof msg.op !== 'string') return bad('op must be a text string');
  if (typeof msg.name !== 'string') return bad('name must be a text string');
  if (has('value') && typeof msg.value !== 'number') return bad('value must be a number');
  if (has('reply') && reply === undefined) return bad('reply must be a topic name');
  return { req: { id, op: msg.op, name: msg.name, value: has('value') ? msg.value : undefined, reply } };
}

class SimPeer {
  constructor(index) {
    this.id = `${opts.prefix}-${index}`;
    this.base = `${opts.root}/peers/${this.id}`;
    this.seq = 0;
    this.seqUsed = true;
    this.relay = 0;
    this.temperature = 18 + Math.random() * 6;
    this.dataTimer = undefined;
    this.nextSeq();
  }

  // A uint32 (as the host requires): the wall clock in seconds, or the previous seq + 1.
  nextSeq() {
    if (!this.seqUsed) return;
    const now = Math.floor(Date.now() / 1000);
    this.seq = now > this.seq ? now : this.seq + 1;
    this.seqUsed = false;
  }

  death() {
    return encoder.encode({ v: 1, id: this.id, seq: this.seq });
  }

  birth() {
    return encoder.encode({
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

  readTemperature() {
    return Math.round(this.temperature * 100) / 100;
  }

  /** Connects; resolves once the first birth is acknowledged. */
  start() {
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(opts.url, {
        clientId: this.id,
        clean: true,
        protocolVersion,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        username: opts.password !== undefined ? this.id : undefined,
        password: opts.password,
        will: { topic: `${this.base}/death`, payload: this.death(), qos: 1, retain: false },
      });
      this.client = client;
      let first = true;
      client.on('connect', () => {
        this.seqUsed = true;
        client.subscribe(`${this.base}/rpc`, { qos: 1 }, (err) => {
          if (err) process.stderr.write(`peer-sim: ${this.id}: subscribe failed: ${err.message}\n`);
        });
        client.publish(`${this.base}/birth`, this.birth(), { qos: 1, retain: true }, (err) => {
          if (err) {
            process.stderr.write(`peer-sim: ${this.id}: birth failed: ${err.message}\n`);
            if (first) reject(err);
            return;
          }
          out(`birth ${this.id} seq=${this.seq}`);
          if (first) {
            first = false;
            resolve();
          }
        });
      });
      client.on('close', () => {
        // The next connect carries a new seq, in its will as in its birth.
        this.nextSeq();
        client.options.will.payload = this.death();
      });
      client.on('error', (err) => process.stderr.write(`peer-sim: ${this.id}: ${err.message}\n`));
      client.on('message', (topic, payload, packet) => this.onRpc(payload, packet));
      if (rate > 0) {
        const period = 1000 / rate;
        // Spread the peers over one period so that they do not publish in bursts.
        setTimeout(() => {
          this.dataTimer = setInterval(() => this.publishData(), period);
        }, Math.random() * period);
      }
    });
  }

  publishData() {
    this.temperature = Math.min(30, Math.max(15, this.temperature + (Math.random() - 0.5) * 0.2));
    if (!this.client.connected) return;
    const pack = [
      new Map([[-2, `${this.id}/`], [-3, Date.now() / 1000], [0, 'temperature'], [1, 'Cel'], [2, this.readTemperature()]]),
      new Map([[0, 'relay'], [2, this.relay]]),
    ];
    this.client.publish(`${this.base}/data`, encoder.encode(pack), { qos: 1 });
    if (opts.verbose) out(`data ${this.id} temperature=${this.readTemperature().toFixed(2)} relay=${this.relay}`);
  }

  answer({ id, op, name, value }) {
    const error = (err, msg) => ({ v: 1, id, ok: false, err, msg });
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

  onRpc(payload, packet) {
    const props = packet.properties ?? {};
    const parsed = parseRpc(payload);
    const id = parsed.req?.id ?? parsed.id;
    const responseTopic = typeof props.responseTopic === 'string' && !/[+#]/.test(props.responseTopic) ? props.responseTopic : undefined;
    const topic = responseTopic ?? parsed.req?.reply ?? parsed.reply;
    if (id === undefined) {
      out(`rpc ${this.id} dropped: ${parsed.bad}`);
      return;
    }
    if (topic === undefined) {
      out(`rpc ${this.id} dropped: no reply address`);
      return;
    }
    let reply;
    if (parsed.bad) {
      out(`rpc ${this.id} bad-request: ${parsed.bad}`);
      reply = { v: 1, id, ok: false, err: 'bad-request', msg: parsed.bad };
    } else {
      reply = this.answer(parsed.req);
    }
    const options = { qos: 1 };
    if (protocolVersion === 5 && props.correlationData) options.properties = { correlationData: props.correlationData };
    this.client.publish(topic, encoder.encode(reply), options);
  }

  /** Publishes the death itself (a clean goodbye), then disconnects. */
  async stop() {
    clearInterval(this.dataTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await new Promise((resolve) => {
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

const peers = Array.from({ length: count }, (_, i) => new SimPeer(i + 1));
let stopping = false;

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(peers.map((p) => p.stop()));
  out('stopped');
  process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

try {
  await Promise.all(peers.map((p) => p.start()));
  out(`ready ${count}`);
} catch (error) {
  process.stderr.write(`peer-sim: ${error.message}\n`);
  await shutdown(1);
}
