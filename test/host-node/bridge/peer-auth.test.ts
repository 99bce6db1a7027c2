// Issue 11, holes 1 and 7 against the embedded broker: the attacks an outsider on the network
// ran (connect as a peer id without its secret, take its client id, publish under its topics,
// push its seq to 2^32-1, send a 100 MiB packet, invent thousands of ids), each refused, with the
// real peer (`wasmhost peer-sim` as a process, provisioned by `wasmhost peer add`) unaffected.
// Revocation (`wasmhost peer remove`) disconnects it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../host-node/broker.js';
import { openCredentialStore } from '../../../host-node/credentials.js';
import { createMqttTransport } from '../../../host-node/mqtt-transport.js';
import { createBridge, type Bridge } from '../../../src/bridge/bridge.js';
import { encodeBirth, encodeDeath } from '../../../src/bridge/codec.js';
import { encodeSenml } from '../../../src/bridge/senml.js';
import type { MqttTransport } from '../../../src/ports/mqtt-transport.js';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));
const HOST_PASSWORD = 'host-secret';
const T = 'wasmhost/v1/peers';

async function eventually<T>(probe: () => T | undefined | false, what: string, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const birth = (id: string, seq: number) => encodeBirth({ id, class: 'embedded-peer', seq, ifaces: [], sensors: [], actuators: [] });

describe('peer credentials on the embedded broker', () => {
  let dir: string;
  let state: string;
  let broker: RunningBroker;
  let host: MqttTransport;
  let bridge: Bridge;
  let sim: ChildProcess;
  let simOut = '';
  let p2Secret: string;
  const brokerLog: string[] = [];
  const bridgeLog: string[] = [];
  const readings: string[] = [];
  const clients: MqttClient[] = [];

  const attempt = async (options: IClientOptions): Promise<MqttClient | Error> => {
    try {
      const client = await connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 4000, ...options });
      clients.push(client);
      return client;
    } catch (error) {
      return error as Error;
    }
  };
  const p2 = async () => {
    const client = await attempt({ username: 'p2', password: p2Secret, clientId: 'p2' });
    if (client instanceof Error) throw client;
    return client;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmhost-peer-auth-'));
    state = join(dir, 'state');
    execFileSync(process.execPath, [BIN, 'peer', 'add', 'sim-1', '--state', state, '--secret-file', join(dir, 'sim-1.secret')]);
    p2Secret = execFileSync(process.execPath, [BIN, 'peer', 'add', 'p2', '--state', state], { encoding: 'utf8' }).trim();
    broker = await startBroker({ port: 0, hostPassword: HOST_PASSWORD, credentials: openCredentialStore(state), log: (l) => brokerLog.push(l) });
    host = createMqttTransport({ url: broker.url, protocolVersion: 4, username: 'wasmhost-host', password: HOST_PASSWORD });
    await host.connect();
    bridge = await createBridge({ transport: host, rpcTimeoutMs: 2000, log: (l) => bridgeLog.push(l) });
    bridge.onReading((records, peer) => readings.push(`${peer} ${records.map((r) => r.value).join(',')}`));
    sim = spawn(process.execPath, [BIN, 'peer-sim', '--url', broker.url, '--count', '1', '--prefix', 'sim', '--password-file', join(dir, 'sim-1.secret'), '--mqtt', '4', '--rate', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    sim.stdout!.on('data', (d: Buffer) => (simOut += d.toString()));
    sim.stderr!.on('data', (d: Buffer) => (simOut += d.toString()));
    await eventually(() => bridge.peer('sim-1')?.online, `sim-1 online:\n${simOut}`, 15_000);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    if (sim.exitCode === null) sim.kill('SIGKILL');
    await bridge?.close();
    await host?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const simServed = async () => expect(await bridge.rpc('sim-1', { op: 'read', name: 'temperature' })).toMatchObject({ ok: true });

  it('stores only a hash: the secret is not in the credential file', async () => {
    const file = readFileSync(join(state, 'credentials.json'), 'utf8');
    expect(file).toMatch(/"hash": "\$7\$\d+\$/);
    expect(file).not.toContain(p2Secret);
    expect(execFileSync(process.execPath, [BIN, 'peer', 'list', '--state', state], { encoding: 'utf8' })).toMatch(/^sim-1\tpeer\t.*\np2\tpeer\t/);
  });

  it('refuses anyone connecting as sim-1 without its secret: no password, a wrong one, another peer\'s', async () => {
    for (const options of [
      { username: 'sim-1', clientId: 'sim-1' },
      { username: 'sim-1', password: 'guess', clientId: 'sim-1' },
      { username: 'sim-1', password: p2Secret, clientId: 'sim-1' },
      { username: 'p2', password: p2Secret, clientId: 'sim-1' }, // a valid credential, someone else's client id
      { clientId: 'sim-1' },
    ]) {
      const result = await attempt(options);
      expect(result, JSON.stringify(options)).toBeInstanceOf(Error);
      expect((result as Error).message).toMatch(/Not authorized/i);
    }
    // Before: reusing the client id kicked the real peer off. It is still online and served.
    expect(bridge.peer('sim-1')?.online).toBe(true);
    await simServed();
    expect(simOut).not.toMatch(/offline|close|reconnect/i);
  });

  it("does not let another peer hear the host's rpc requests to sim-1", async () => {
    const eavesdropper = await p2();
    const heard: string[] = [];
    eavesdropper.on('message', (topic) => heard.push(topic));
    try {
      for (const filter of [`${T}/sim-1/rpc`, `${T}/+/rpc`, '#']) {
        expect(await eavesdropper.subscribeAsync(filter, { qos: 1 }).then(() => 'granted', (e: Error) => e.message), filter).toMatch(/Subscribe error/);
      }
      await simServed();
      await simServed();
      expect(heard).toEqual([]);
    } finally {
      await eavesdropper.endAsync();
    }
  });

  it('refuses a second connection as a connected peer id, keeping the first', async () => {
    const second = await attempt({ username: 'p2', password: p2Secret, clientId: 'p2' });
    expect(second).not.toBeInstanceOf(Error);
    expect(await attempt({ username: 'p2', password: p2Secret, clientId: 'p2' })).toBeInstanceOf(Error);
    expect((second as MqttClient).connected).toBe(true);
    await (second as MqttClient).endAsync();
  });

  it("refuses another peer's forged birth, death and readings under sim-1's topics", async () => {
    const forger = await p2();
    let closed = false;
    forger.once('close', () => { closed = true; });
    // Acknowledged and dropped, as mosquitto does for MQTT 3.1.1: the connection stays usable.
    await forger.publishAsync(`${T}/sim-1/death`, Buffer.from(encodeDeath({ id: 'sim-1', seq: 2 ** 32 - 1 })), { qos: 1, retain: true });
    await forger.publishAsync(`${T}/sim-1/data`, Buffer.from(encodeSenml([{ name: 'temperature', value: 99 }])), { qos: 1 });
    await forger.publishAsync(`${T}/p2/data`, Buffer.from(encodeSenml([{ name: 'own', value: 1 }])), { qos: 1 });
    expect(closed).toBe(false);
    await forger.endAsync();
    await eventually(() => brokerLog.some((l) => /refused a publish of p2 \(username p2\) to wasmhost\/v1\/peers\/sim-1\/death/.test(l)), 'the refusal');
    expect(bridge.peer('sim-1')?.online).toBe(true);
    expect(readings.filter((r) => r.startsWith('sim-1'))).toEqual([]);
    await simServed();
  });

  it('does not let a birth push the seq to 2^32-1 in one frame; the peer\'s later deaths still count', async () => {
    const peer = await p2();
    await peer.publishAsync(`${T}/p2/birth`, Buffer.from(birth('p2', 2 ** 32 - 1)), { qos: 1, retain: true });
    await eventually(() => bridgeLog.some((l) => /birth of peer p2 with seq 4294967295 refused/.test(l)), 'the refused birth');
    expect(bridge.peer('p2')).toBeUndefined();
    await peer.publishAsync(`${T}/p2/birth`, Buffer.from(birth('p2', 7)), { qos: 1, retain: true });
    await eventually(() => bridge.peer('p2')?.online, 'p2 online');
    await peer.publishAsync(`${T}/p2/death`, Buffer.from(encodeDeath({ id: 'p2', seq: 7 })), { qos: 1 });
    await eventually(() => bridge.peer('p2')?.online === false, 'p2 offline by its own death');
    await peer.publishAsync(`${T}/p2/birth`, Buffer.alloc(0), { qos: 1, retain: true });
    await peer.endAsync();
  });

  it('closes a connection announcing a 100 MiB packet before buffering it, even unauthenticated; sim-1 unaffected', async () => {
    const socket = tcpConnect(broker.port, '127.0.0.1');
    let length = 100 * 1024 * 1024;
    const header = [0x10]; // CONNECT, the first packet anyone may send
    do {
      header.push((length % 128) | (length >= 128 ? 0x80 : 0));
      length = Math.floor(length / 128);
    } while (length > 0);
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024);
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.on('error', () => undefined);
      socket.write(Buffer.from(header));
      const pump = () => {
        while (!socket.destroyed && sent < 100 * 1024 * 1024) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    expect(sent).toBeLessThan(8 * 1024 * 1024);
    expect(brokerLog.some((l) => /closed a connection that sent a 104857600-byte packet \(limit 65536\)/.test(l))).toBe(true);
    // An authenticated peer's 1 MiB publish ends its connection too.
    const big = await p2();
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish(`${T}/p2/data`, Buffer.alloc(1024 * 1024), { qos: 0 });
    await closed;
    await simServed();
  });

  it('refuses 500 invented peer ids in a few log lines, and the registry stays as it was', async () => {
    const before = brokerLog.length;
    const peers = bridge.peers().length;
    for (let batch = 0; batch < 10; batch++) {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => attempt({ username: `invented-${batch}-${i}`, password: 'x', clientId: `invented-${batch}-${i}` })));
      expect(results.every((r) => r instanceof Error)).toBe(true);
    }
    expect(brokerLog.slice(before).length).toBeLessThanOrEqual(6);
    expect(bridge.peers()).toHaveLength(peers);
    await simServed();
  });

  it('revokes: wasmhost peer remove disconnects sim-1 and it cannot come back', async () => {
    execFileSync(process.execPath, [BIN, 'peer', 'remove', 'sim-1', '--state', state]);
    // Its Last Will (the death) tells the host it is gone.
    await eventually(() => bridge.peer('sim-1')?.online === false, 'sim-1 disconnected', 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // the simulator tries to reconnect every second
    expect(bridge.peer('sim-1')?.online).toBe(false);
    const secret = readFileSync(join(dir, 'sim-1.secret'), 'utf8').trim();
    expect(await attempt({ username: 'sim-1', password: secret, clientId: 'sim-1' })).toBeInstanceOf(Error);
  });
});
