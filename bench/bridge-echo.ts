import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { startBroker } from '../host-node/broker.js';
import { createMqttTransport } from '../host-node/mqtt-transport.js';
import { createMqttBus, type MqttBus } from '../src/bridge/mqtt-bus.js';
import type { MqttProtocolVersion } from '../src/ports/mqtt-transport.js';
import { row } from './measure.js';

const WARMUP = 300;
const ROUNDS = 6;
const BATCH = 500;
const PAYLOAD = new Uint8Array(76).fill(0xa5); // about one CBOR rpc frame
const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Broker { url: string; protocolVersion: MqttProtocolVersion; close(): Promise<void> }

/** The host role's password on the embedded broker (mosquitto here is anonymous and ignores it). */
export const HOST_PASSWORD = 'bench-host';
interface Figures { perSecond: number; p50: number; p99: number }
/** One way of making a round trip, and how to tear it down. */
interface Candidate { once: () => Promise<unknown>; close: () => Promise<unknown> }

/**
 * Sequential round trips of each candidate, in batches interleaved round by round so a busy
 * moment of the machine falls on every candidate alike; rates and percentiles (µs) over all batches.
 */
async function compare(candidates: Record<string, Candidate>): Promise<Record<string, Figures>> {
  const names = Object.keys(candidates);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const spent: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const name of names) for (let i = 0; i < WARMUP; i++) await candidates[name].once();
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of names) {
      const { once } = candidates[name];
      const start = performance.now();
      for (let i = 0; i < BATCH; i++) {
        const t = performance.now();
        await once();
        times[name].push((performance.now() - t) * 1000);
      }
      spent[name] += performance.now() - start;
    }
  }
  return Object.fromEntries(names.map((name) => {
    const sorted = times[name].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(sorted.length * q)];
    return [name, { perSecond: (sorted.length / spent[name]) * 1000, p50: at(0.5), p99: at(0.99) }];
  }));
}

async function rawClient(broker: Broker): Promise<MqttClient> {
  const opts: IClientOptions = { protocolVersion: broker.protocolVersion, username: 'wasmhost-host', password: HOST_PASSWORD, reconnectPeriod: 0 };
  const client = await connectAsync(broker.url, opts);
  (client.stream as Partial<Socket>).setNoDelay?.(true);
  return client;
}

/** A raw mqtt.js responder on `<name>/echo`: answers to the response topic (MQTT 5) or `<name>/reply`. */
async function rawResponder(broker: Broker, name: string): Promise<MqttClient> {
  const responder = await rawClient(broker);
  responder.on('message', (_topic, payload, packet) => {
    const to = packet.properties?.responseTopic ?? `${name}/reply`;
    const properties = packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : undefined;
    responder.publish(to, payload, { qos: 1, properties });
  });
  await responder.subscribeAsync(`${name}/echo`, { qos: 1 });
  return responder;
}

/** The baseline: a raw mqtt.js requester waiting for each echo (response topic + correlation data on MQTT 5). */
async function rawEcho(broker: Broker): Promise<Candidate> {
  const responder = await rawResponder(broker, 'raw');
  const requester = await rawClient(broker);
  const v5 = broker.protocolVersion === 5;
  const inbox = v5 ? 'raw/inbox' : 'raw/reply';
  await requester.subscribeAsync(inbox, { qos: 1 });
  let waiting: (() => void) | undefined;
  requester.on('message', () => waiting?.());
  let id = 0;
  return {
    once: () => new Promise<void>((resolve) => {
      waiting = resolve;
      const properties = v5 ? { responseTopic: inbox, correlationData: Buffer.from(String(++id)) } : undefined;
      requester.publish('raw/echo', Buffer.from(PAYLOAD), { qos: 1, properties });
    }),
    close: () => Promise.all([requester.endAsync(), responder.endAsync()]),
  };
}

async function bus(broker: Broker): Promise<{ bus: MqttBus; close(): Promise<void> }> {
  const transport = createMqttTransport({ url: broker.url, protocolVersion: broker.protocolVersion, username: 'wasmhost-host', password: HOST_PASSWORD });
  await transport.connect();
  return { bus: createMqttBus(transport), close: () => transport.close() };
}

/** createMqttBus.request against a raw responder or a bus responder (MQTT 5). */
async function busRequest(broker: Broker, responderKind: 'raw' | 'bus'): Promise<Candidate> {
  const name = `bus-${responderKind}`;
  const requester = await bus(broker);
  let closeResponder: () => Promise<unknown>;
  if (responderKind === 'raw') {
    const raw = await rawResponder(broker, name);
    closeResponder = () => raw.endAsync();
  } else {
    const responder = await bus(broker);
    responder.bus.subscribe(`${name}/echo`, (m) => responder.bus.publish(m.replyTo!, m.payload));
    await responder.bus.flush();
    closeResponder = responder.close;
  }
  return {
    async once() {
      const replies = await requester.bus.request(`${name}/echo`, PAYLOAD, { timeoutMs: 5000 });
      if (replies.length !== 1) throw new Error('bench: a request went unanswered');
    },
    close: () => Promise.all([requester.close(), closeResponder()]),
  };
}

/** MQTT 3.1.1 (aedes): the bus has no request/reply there, so publish and wait for the echo by hand. */
async function busEcho(broker: Broker): Promise<Candidate> {
  const responder = await rawResponder(broker, 'bus');
  const requester = await bus(broker);
  let waiting: (() => void) | undefined;
  requester.bus.subscribe('bus/reply', () => waiting?.());
  await requester.bus.flush();
  return {
    once: () => new Promise<void>((resolve) => {
      waiting = resolve;
      requester.bus.publish('bus/echo', PAYLOAD);
    }),
    close: () => Promise.all([requester.close(), responder.endAsync()]),
  };
}

async function run(candidates: Record<string, Candidate>): Promise<Record<string, Figures>> {
  try {
    return await compare(candidates);
  } finally {
    await Promise.all(Object.values(candidates).map((c) => c.close()));
  }
}

/** mosquitto on a free loopback port, anonymous, TCP_NODELAY, no persistence. */
export async function startMosquitto(): Promise<Broker> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-mosquitto-'));
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const root = process.getuid?.() === 0 ? [`user ${userInfo().username}`] : [];
  await writeFile(join(dir, 'm.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'set_tcp_nodelay true', 'log_dest none', ...root, ''].join('\n'));
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await (await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 })).endAsync();
      break;
    } catch (error) {
      if (i > 50 || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error(`bench: mosquitto did not start: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    protocolVersion: 5,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const perSecond = (label: string, f: Figures, base?: Figures) => row(label, f.perSecond, 'round trips/s', base && { label: 'raw', value: base.perSecond });
const percentiles = (f: Figures) => `  ${''.padEnd(46)} p50 ${f.p50.toFixed(0).padStart(5)} µs   p99 ${f.p99.toFixed(0).padStart(5)} µs`;

/**
 * Bridge round trips over loopback, sequential, QoS 1 both ways, a 76-byte payload: a raw
 * mqtt.js echo through the same broker is the baseline for the MQTT bus; aedes in-process
 * (MQTT 3.1.1) and mosquitto (MQTT 5) when installed.
 */
export async function bridgeEcho(): Promise<string[]> {
  const lines = [`bridge echo: sequential round trips of ${PAYLOAD.byteLength} B, QoS 1 both ways, loopback, ${ROUNDS}×${BATCH} per row interleaved (raw mqtt.js = baseline)`];
  const aedes = await startBroker({ port: 0, hostPassword: HOST_PASSWORD, log: () => {} });
  try {
    const broker: Broker = { url: aedes.url, protocolVersion: aedes.protocolVersion, close: aedes.close };
    const f = await run({ raw: await rawEcho(broker), bus: await busEcho(broker) });
    lines.push(perSecond('aedes in-process, raw mqtt.js echo', f.raw), percentiles(f.raw));
    lines.push(perSecond('aedes, bus publish → echo (3.1.1: no request)', f.bus, f.raw), percentiles(f.bus));
  } finally {
    await aedes.close();
  }
  if (!existsSync(MOSQUITTO)) return [...lines, `  mosquitto: ${MOSQUITTO} missing, skipped`];
  const mosquitto = await startMosquitto();
  try {
    const f = await run({ raw: await rawEcho(mosquitto), toRaw: await busRequest(mosquitto, 'raw'), toBus: await busRequest(mosquitto, 'bus') });
    lines.push(perSecond('mosquitto, raw mqtt.js echo (MQTT 5)', f.raw), percentiles(f.raw));
    lines.push(perSecond('mosquitto, bus.request → raw responder', f.toRaw, f.raw), percentiles(f.toRaw));
    lines.push(perSecond('mosquitto, bus.request → bus responder', f.toBus, f.raw), percentiles(f.toBus));
  } finally {
    await mosquitto.close();
  }
  return lines;
}
