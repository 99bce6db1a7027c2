// Bridge figures with simulated embedded peers (host-node/peer-sim.ts), loopback only:
// (a) peer → workload → peer: a worker-isolated sensor-filter component samples
//     `sim-1/temperature` over the bridge, sequential calls, beside a raw mqtt.js QoS 1 echo
//     through the same broker and a bare bridge.rpc, measured interleaved in the same run, on the
//     embedded aedes broker (the host's side in-process, as in the agent) and on mosquitto;
// (b) 1,000 simulated peers (a child process) against the embedded broker: time until the
//     bridge lists all online, rpc latency sampled across peers, and the host's RSS.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { startBroker } from '../host-node/broker.js';
import { createMqttTransport } from '../host-node/mqtt-transport.js';
import { createNodeHost } from '../host-node/node-host.js';
import { startPeerSim } from '../host-node/peer-sim.js';
import { createWasiProvider } from '../host-node/wasi-provider.js';
import { createBridge, type Bridge } from '../src/bridge/bridge.js';
import { createPeerDeviceProvider } from '../src/bridge/peer-device-provider.js';
import { loadComponent } from '../src/component/component.js';
import type { MqttTransport } from '../src/ports/mqtt-transport.js';
import { HOST_PASSWORD, startMosquitto, type Broker } from './bridge-echo.js';
import { row } from './measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOSQUITTO = '/usr/sbin/mosquitto';
const WARMUP = 200;
const ROUNDS = 5;
const BATCH = 200;
const PEERS = 1000;
const SAMPLES = 2000;
const PAYLOAD = new Uint8Array(76).fill(0xa5);
const PEER_PASSWORD = 'bench'; // the embedded broker's rule: a peer logs in with username = client id = its id
/** Every simulated peer shares the bench password (round trips are measured here, not logins). */
const benchPeers = (_client: unknown, password: Uint8Array | undefined) => password !== undefined && new TextDecoder().decode(password) === PEER_PASSWORD;
const MiB = 1048576;

interface Figures { perSecond: number; p50: number; p99: number }
interface Candidate { once: () => Promise<unknown>; close: () => Promise<unknown> }

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];

/** Sequential calls of each candidate in batches interleaved round by round; rates and percentiles (µs). */
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
    return [name, { perSecond: (sorted.length / spent[name]) * 1000, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }];
  }));
}

async function rawClient(broker: Broker): Promise<MqttClient> {
  const client = await connectAsync(broker.url, { protocolVersion: broker.protocolVersion, username: 'wasmhost-host', password: HOST_PASSWORD, reconnectPeriod: 0 });
  (client.stream as Partial<Socket>).setNoDelay?.(true);
  return client;
}

/** The baseline: a raw mqtt.js request and its echo from a raw mqtt.js responder, QoS 1 both ways. */
async function rawEcho(broker: Broker): Promise<Candidate> {
  const responder = await rawClient(broker);
  responder.on('message', (_topic, payload) => responder.publish('peers-bench/reply', payload, { qos: 1 }));
  await responder.subscribeAsync('peers-bench/echo', { qos: 1 });
  const requester = await rawClient(broker);
  await requester.subscribeAsync('peers-bench/reply', { qos: 1 });
  let waiting: (() => void) | undefined;
  requester.on('message', () => waiting?.());
  return {
    once: () => new Promise<void>((resolve) => {
      waiting = resolve;
      requester.publish('peers-bench/echo', Buffer.from(PAYLOAD), { qos: 1 });
    }),
    close: () => Promise.all([requester.endAsync(), responder.endAsync()]),
  };
}

/** A broker under test; the embedded one also hands out the in-process transport the agent uses. */
type BenchBroker = Broker & { localTransport?: () => MqttTransport };

/** The host's side: a transport and a bridge on the broker (in-process into the embedded broker, as the agent does). */
async function hostBridge(broker: BenchBroker): Promise<{ transport: MqttTransport; bridge: Bridge; close(): Promise<void> }> {
  const transport = broker.localTransport?.()
    ?? createMqttTransport({ url: broker.url, protocolVersion: broker.protocolVersion, username: 'wasmhost-host', password: HOST_PASSWORD });
  await transport.connect();
  const bridge = await createBridge({ transport, rpcTimeoutMs: 10_000, log: () => {} });
  return { transport, bridge, close: async () => { await bridge.close(); await transport.close(); } };
}

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** (a) on one broker: raw echo, bare bridge.rpc, and the isolated workload's sample() reading the peer. */
async function roundTrips(broker: BenchBroker, label: string, cacheDir: string): Promise<{ lines: string[]; rpc: Figures }> {
  const host = await hostBridge(broker);
  const sim = await startPeerSim({ url: broker.url, count: 1, rate: 0, prefix: 'sim', password: PEER_PASSWORD, protocolVersion: broker.protocolVersion as 4 | 5 });
  const candidates: Record<string, Candidate> = {};
  try {
    await until('sim-1 online', () => host.bridge.peer('sim-1')?.online === true, 10_000);
    const nodeHost = createNodeHost({ cacheDir, log: () => {} });
    const component = await loadComponent(await readFile(join(ROOT, 'examples/sensor-filter-js/sensor-filter.wasm')));
    const workload = await nodeHost.startIsolated(component, {
      name: 'filter', grants: { sensors: ['*'], actuators: ['*'] },
      providers: [createWasiProvider(), createPeerDeviceProvider(host.bridge)],
      limits: { callTimeoutMs: 10_000, memoryBytes: 64 << 20 },
    });
    candidates.raw = await rawEcho(broker);
    candidates.rpc = {
      async once() {
        const reply = await host.bridge.rpc('sim-1', { op: 'read', name: 'temperature' });
        if (!reply.ok) throw new Error(`bench: sim-1 answered ${reply.err}`);
      },
      close: async () => {},
    };
    candidates.workload = {
      async once() {
        const result = await workload.call('sample', 'sim-1/temperature') as { tag: string; val: unknown };
        if (result.tag !== 'ok') throw new Error(`bench: sample failed: ${JSON.stringify(result.val)}`);
      },
      close: () => workload.close(),
    };
    const f = await compare(candidates);
    return {
      rpc: f.rpc,
      lines: [
        perSecond(`${label}, raw mqtt.js echo`, f.raw), percentiles(f.raw),
        perSecond(`${label}, bridge.rpc read → sim peer`, f.rpc, f.raw), percentiles(f.rpc),
        perSecond(`${label}, workload sample() → peer → workload`, f.workload, f.raw), percentiles(f.workload),
      ],
    };
  } finally {
    await Promise.all(Object.values(candidates).map((c) => c.close()));
    await sim.stop();
    await host.close();
  }
}

/** (b) PEERS simulated peers in a child process against the embedded broker. */
async function manyPeers(singleRpc: Figures): Promise<string[]> {
  const aedes = await startBroker({ port: 0, hostPassword: HOST_PASSWORD, log: () => {}, authenticate: benchPeers });
  const host = await hostBridge(aedes);
  const script = join(ROOT, 'examples/peer-sim/peer-sim.mjs');
  try {
    await new Promise((r) => setTimeout(r, 200));
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const child = spawn(process.execPath, [script, '--url', aedes.url, '--count', String(PEERS), '--rate', '0', '--mqtt', '4', '--password', PEER_PASSWORD], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const online = () => host.bridge.peers().filter((p) => p.online).length;
      await until(`${PEERS} peers online (${online()} so far; ${stderr.slice(0, 300)})`, () => online() === PEERS, 60_000);
      const upMs = performance.now() - started;
      const times: number[] = [];
      let x = 1;
      for (let i = 0; i < SAMPLES; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const peer = `sim-${1 + (x % PEERS)}`;
        const t = performance.now();
        const reply = await host.bridge.rpc(peer, { op: 'read', name: 'temperature' });
        times.push((performance.now() - t) * 1000);
        if (!reply.ok) throw new Error(`bench: ${peer} answered ${reply.err}`);
      }
      const rssAfter = process.memoryUsage().rss;
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 0.5);
      const p99 = percentile(times, 0.99);
      return [
        `  ${`${PEERS} peers (child process) → all online`.padEnd(46)} ${upMs.toFixed(0).padStart(9)} ms (from spawning the simulator)`,
        row(`rpc read p50 across ${PEERS} peers (${SAMPLES} seq.)`, p50, 'µs', { label: '1-peer rpc p50', value: singleRpc.p50 }),
        row(`rpc read p99 across ${PEERS} peers`, p99, 'µs', { label: '1-peer rpc p99', value: singleRpc.p99 }),
        row(`host RSS with ${PEERS} peers (+${((rssAfter - rssBefore) / MiB).toFixed(0)} MiB)`, rssAfter / MiB, 'MiB', { label: 'before the peers', value: rssBefore / MiB }),
      ];
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  } finally {
    await host.close();
    await aedes.close();
  }
}

const perSecond = (label: string, f: Figures, base?: Figures) => row(label, f.perSecond, 'calls/s', base && { label: 'raw', value: base.perSecond });
const percentiles = (f: Figures) => `  ${''.padEnd(46)} p50 ${f.p50.toFixed(0).padStart(5)} µs   p99 ${f.p99.toFixed(0).padStart(5)} µs`;

/**
 * Simulated peers through the bridge (QoS 1 both ways, loopback): a worker-isolated component
 * reading a peer's sensor beside a raw mqtt.js echo through the same broker, on aedes and on
 * mosquitto; then 1,000 peers on the embedded broker.
 */
export async function bridgePeers(): Promise<string[]> {
  const lines = [`bridge peers: sequential peer round trips, QoS 1 both ways, loopback, ${ROUNDS}×${BATCH} per row interleaved (raw mqtt.js echo = baseline)`];
  const cacheDir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-peers-'));
  try {
    const aedes = await startBroker({ port: 0, hostPassword: HOST_PASSWORD, log: () => {}, authenticate: benchPeers });
    let single: Figures;
    try {
      const a = await roundTrips(aedes, 'aedes, host in-process', cacheDir);
      lines.push(...a.lines);
      single = a.rpc;
    } finally {
      await aedes.close();
    }
    if (existsSync(MOSQUITTO)) {
      const mosquitto = await startMosquitto();
      try {
        lines.push(...(await roundTrips(mosquitto, 'mosquitto', cacheDir)).lines);
      } finally {
        await mosquitto.close();
      }
    } else {
      lines.push(`  mosquitto: ${MOSQUITTO} missing, skipped`);
    }
    lines.push(...(await manyPeers(single)));
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  return lines;
}
