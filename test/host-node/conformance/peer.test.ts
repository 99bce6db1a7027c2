// `wasmhost conformance --peer`: the C reference peer and the Node peer simulator pass the peer
// probes against the embedded broker (logged in as the host); a peer that never answers rpc
// fails the rpc requirements. Real processes and a real broker on loopback.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../host-node/broker.js';
import { startPeerSim } from '../../../host-node/peer-sim.js';
import { runPeerProbes } from '../../../host-node/conformance/peer-probes.js';
import { PEER_REQUIREMENTS } from '../../../src/conformance/requirements.js';
import type { ProbeResult } from '../../../src/conformance/report.js';
import { encodeBirth } from '../../../src/bridge/codec.js';
import { peerTopics } from '../../../src/bridge/frames.js';
import { HOST_USERNAME } from '../../../src/bridge/acl.js';

const HOST_PASSWORD = 'conformance-host-secret';
const PEERS = ['sim-1', 'peer-c', 'mute-1'];

function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}
const MAKE = findTool('make');
const HAVE_C = Boolean(findTool('gcc') && MAKE && existsSync('/usr/include/mosquitto.h'));

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));

/** Runs the real bin without blocking this process, whose broker and peers must keep running. */
function wasmhostAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const statuses = (results: ProbeResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));

describe('wasmhost conformance --peer', () => {
  let broker: RunningBroker;
  let dir: string;
  const spawned: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmhost-conformance-peer-'));
    // The peers of this test log in with username = client id = their id and the password x;
    // the host with its own secret; any other id is refused.
    broker = await startBroker({ port: 0, hostPassword: HOST_PASSWORD, authenticate: (c, password) => PEERS.includes(c.username ?? '') && new TextDecoder().decode(password) === 'x', log: () => undefined });
  });

  afterAll(async () => {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes peer-sim through the CLI as the host role, PEER-will skipped with its reason', async () => {
    const sim = await startPeerSim({ url: broker.url, count: 1, prefix: 'sim', password: 'x', rate: 2, protocolVersion: broker.protocolVersion });
    try {
      const secret = join(dir, 'host-secret');
      writeFileSync(secret, `${HOST_PASSWORD}\n`);
      const run = await wasmhostAsync(['conformance', '--peer', 'sim-1', '--broker', broker.url, '--username', HOST_USERNAME, '--password-file', secret, '--rate-seconds', '2']);
      const lines = run.stdout.trim().split('\n');
      expect(run.stderr).toBe('');
      expect(lines.slice(0, -1).map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(
        PEER_REQUIREMENTS.map((r) => `${r.id === 'PEER-will' || r.id === 'PEER-reconnect' ? 'SKIP' : 'PASS'} ${r.id}`),
      );
      expect(lines.at(-1)).toBe(`${PEER_REQUIREMENTS.length - 2} passed, 0 failed, 2 skipped of ${PEER_REQUIREMENTS.length} requirements`);
      expect(run.code).toBe(0);
    } finally {
      await sim.stop();
    }
  });

  it.skipIf(!HAVE_C)('passes the C reference peer on every requirement, its Last Will and its return after a restart included', async () => {
    execFileSync(MAKE!, ['-s', '-C', 'examples/embedded-peer-c', `OUT=${dir}`], { stdio: 'pipe' });
    const url = new URL(broker.url);
    const start = () => {
      const args = ['--host', url.hostname, '--port', url.port, '--id', 'peer-c', '--username', 'peer-c', '--password', 'x', '--period-ms', '200', '--seq-file', join(dir, 'peer-c.seq')];
      const child = spawn(join(dir, 'peer'), args, { stdio: 'ignore' });
      spawned.push(child);
      return child;
    };
    const peer = start();
    const results = await runPeerProbes({
      peerId: 'peer-c', url: broker.url, username: HOST_USERNAME, password: HOST_PASSWORD, rateSeconds: 2,
      // Killed (no DISCONNECT: the broker sends its will), then started again as after a power cut.
      disconnect: { waitSeconds: 10, prompt: () => void peer.kill('SIGKILL'), reconnect: () => void start() },
    });
    expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
    expect(results.map((r) => r.id)).toEqual(PEER_REQUIREMENTS.map((r) => r.id));
    expect(results.find((r) => r.id === 'PEER-rpc-unknown')!.detail).toMatch(/^answered not-found/);
  });

  it('fails the rpc requirements for a peer that publishes its birth but never answers, and PEER-will for one without a will', async () => {
    const topics = peerTopics('wasmhost/v1', 'mute-1');
    const birth = { id: 'mute-1', class: 'embedded-peer', seq: 7, ifaces: [{ name: 'wasmhost:device/sensors', version: '0.1.0' }], sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }], actuators: [] };
    const mute = await connectAsync(broker.url, {
      clientId: 'mute-1', username: 'mute-1', password: 'x', reconnectPeriod: 0, protocolVersion: broker.protocolVersion,
    });
    try {
      await mute.subscribeAsync(topics.rpc, { qos: 1 });
      await mute.publishAsync(topics.birth, Buffer.from(encodeBirth(birth)), { qos: 1, retain: true });
      // It is cut off for the Last Will probe, but it has no will: the death never comes.
      const results = await runPeerProbes({
        peerId: 'mute-1', url: broker.url, username: HOST_USERNAME, password: HOST_PASSWORD, rateSeconds: 1, rpcTimeoutMs: 1000,
        disconnect: { waitSeconds: 2, prompt: () => void mute.stream.destroy() },
      });
      expect(statuses(results)).toEqual({
        'PEER-birth': 'PASS', 'PEER-rpc-read': 'FAIL', 'PEER-rpc-unknown': 'FAIL', 'PEER-rpc-malformed': 'SKIP', 'PEER-rpc-duplicate': 'SKIP',
        'PEER-data-rate': 'PASS', 'PEER-broker-access': 'PASS', 'PEER-will': 'FAIL', 'PEER-reconnect': 'SKIP',
      });
      expect(results.find((r) => r.id === 'PEER-rpc-read')!.detail).toBe('no reply to read temperature within 1000 ms');
    } finally {
      await mute.endAsync(true);
    }
  });

  it('fails PEER-broker-access only, for a broker that lets any id in with any password', async () => {
    const open = await startBroker({ port: 0, hostPassword: HOST_PASSWORD, authenticate: () => true, log: () => undefined });
    const sim = await startPeerSim({ url: open.url, count: 1, prefix: 'open', password: 'anything', rate: 2, protocolVersion: open.protocolVersion });
    try {
      const results = await runPeerProbes({ peerId: 'open-1', url: open.url, username: HOST_USERNAME, password: HOST_PASSWORD, rateSeconds: 1 });
      expect(results.filter((r) => r.status === 'FAIL').map((r) => r.id)).toEqual(['PEER-broker-access']);
      expect(results.find((r) => r.id === 'PEER-broker-access')!.detail).toMatch(/^the broker accepted an unprovisioned id conformance-unknown-[0-9a-f]{8}: /);
    } finally {
      await sim.stop();
      await open.close();
    }
  });
});
