// The Node peer simulator (examples/peer-sim/peer-sim.mjs) with 50 peers against
// Debian's mosquitto, started here on a free loopback port with its own config.
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Decoder, Encoder, type Options as CborOptions } from 'cbor-x';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = 'wasmhost/v1';
const COUNT = 50;

const MOSQUITTO = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin']
  .map((d) => join(d, 'mosquitto'))
  .find((p) => existsSync(p));
if (!MOSQUITTO) console.warn('peer-sim tests skipped: missing mosquitto (Debian: apt-get install mosquitto)');

// Plain CBOR (cbor-x's typings lack int64AsNumber and useTag259ForMaps).
const decode = (b: Buffer): any => new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as CborOptions).decode(b);
const decodeMaps = (b: Buffer): any => new Decoder({ useRecords: false, mapsAsObjects: false, int64AsNumber: true } as CborOptions).decode(b);
const encoder = new Encoder({ useRecords: false, useTag259ForMaps: false } as CborOptions);
const encode = (v: unknown): Buffer => Buffer.from(encoder.encode(v));


type Msg = { topic: string; payload: Buffer; packet: IPublishPacket };

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!MOSQUITTO)('examples/peer-sim (50 simulated peers against mosquitto)', () => {
  let dir: string;
  let broker: Mosquitto | undefined;
  let url: string;
  let sim: ChildProcess;
  let simOut = '';
  let simErr = '';
  let client: MqttClient;
  const messages: Msg[] = [];
  const ids = Array.from({ length: COUNT }, (_, i) => `sim-${i + 1}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmhost-peer-sim-'));
    broker = await startMosquitto();
    url = broker.url;
    sim = spawn(process.execPath, ['examples/peer-sim/peer-sim.mjs', '--url', url, '--count', String(COUNT), '--rate', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sim.stdout!.on('data', (d) => (simOut += d));
    sim.stderr!.on('data', (d) => (simErr += d));
    await until(`ready ${COUNT}`, () => (simOut.includes(`ready ${COUNT}\n`) ? true : undefined), 30_000).catch((e) => {
      throw new Error(`${e.message}\nstdout:\n${simOut}\nstderr:\n${simErr}`);
    });
    client = await connectAsync(url, { protocolVersion: 5, clientId: 'test-host', reconnectPeriod: 0 });
    client.on('message', (topic, payload, packet) => messages.push({ topic, payload, packet }));
  });

  afterAll(async () => {
    await client?.endAsync();
    if (sim && sim.exitCode === null && sim.signalCode === null) sim.kill('SIGKILL');
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const births = new Map<string, any>();

  it('brings up 50 peers with retained births', async () => {
    await client.subscribeAsync(`${ROOT}/peers/+/birth`, { qos: 1 });
    await until('50 retained births', () => {
      for (const m of messages) if (m.topic.endsWith('/birth') && m.packet.retain) births.set(decode(m.payload).id, decode(m.payload));
      return births.size === COUNT ? true : undefined;
    });
    expect([...births.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(births.get(id)).toEqual({
        v: 1,
        id,
        class: 'embedded-peer',
        seq: expect.any(Number),
        ifaces: [
          { name: 'wasmhost:device/sensors', version: '0.1.0' },
          { name: 'wasmhost:device/actuators', version: '0.1.0' },
        ],
        sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }],
        actuators: [{ name: 'relay', unit: '', kind: 'relay', min: 0, max: 1 }],
      });
      expect(Number.isInteger(births.get(id).seq)).toBe(true);
      expect(births.get(id).seq).toBeLessThanOrEqual(0xffff_ffff);
    }
  });

  it('each peer answers a read (envelope reply for half, MQTT 5 Response Topic for the other half)', async () => {
    await client.subscribeAsync([`${ROOT}/peers/+/reply`, 'replies/test-host'], { qos: 1 });
    await Promise.all(
      ids.map((id, i) => {
        const frame: Record<string, unknown> = { v: 1, id: 1000 + i, op: 'read', name: 'temperature' };
        if (i % 2 === 0) frame.reply = `${ROOT}/peers/${id}/reply`;
        const props = i % 2 === 1 ? { properties: { responseTopic: 'replies/test-host', correlationData: Buffer.from(id) } } : {};
        return client.publishAsync(`${ROOT}/peers/${id}/rpc`, encode(frame), { qos: 1, ...props });
      }),
    );
    const replies = await until('50 replies', () => {
      const got = messages.filter((m) => m.topic.endsWith('/reply') || m.topic === 'replies/test-host');
      return got.length >= COUNT ? got : undefined;
    });
    expect(replies).toHaveLength(COUNT);
    for (const m of replies) {
      const r = decode(m.payload);
      const i = r.id - 1000;
      expect(r).toEqual({ v: 1, id: 1000 + i, ok: true, value: expect.any(Number), unit: 'Cel', t: expect.any(Number) });
      expect(r.value).toBeGreaterThanOrEqual(15);
      expect(r.value).toBeLessThanOrEqual(30);
      if (i % 2 === 0) expect(m.topic).toBe(`${ROOT}/peers/${ids[i]}/reply`);
      else expect(Buffer.from(m.packet.properties!.correlationData!).toString()).toBe(ids[i]);
    }
  });

  it('answers set, out-of-range, not-found and bad-request like the C peer; ignores garbage without an id', async () => {
    const reply = `${ROOT}/peers/sim-7/reply`;
    const start = messages.length;
    const send = (f: unknown) => client.publishAsync(`${ROOT}/peers/sim-7/rpc`, Buffer.isBuffer(f) ? f : encode(f), { qos: 1 });
    await send(Buffer.from([0xff, 0x01]));
    await send({ v: 1, op: 'read', name: 'relay', reply });
    await send({ v: 1, id: 1, op: 'set', name: 'relay', value: 1, reply });
    await send({ v: 1, id: 2, op: 'set', name: 'relay', value: 5, reply });
    await send({ v: 1, id: 3, op: 'read', name: 'nope', reply });
    await send({ v: 2, id: 4, op: 'read', name: 'relay', reply });
    await send({ v: 1, id: 5, op: 'read', name: 'relay', reply });
    const got = await until('5 replies from sim-7', () => {
      const r = messages.slice(start).filter((m) => m.topic === reply).map((m) => decode(m.payload));
      return r.length >= 5 ? r : undefined;
    });
    expect(got.map((r) => [r.id, r.ok, r.err])).toEqual([
      [1, true, undefined],
      [2, false, 'out-of-range'],
      [3, false, 'not-found'],
      [4, false, 'bad-request'],
      [5, true, undefined],
    ]);
    expect(got[4].value).toBe(1);
    expect(simOut).toContain('sim-7 relay=1\n');
  });

  it('publishes SenML CBOR data (integer keys, names <peer>/<n>)', async () => {
    await client.subscribeAsync(`${ROOT}/peers/+/data`, { qos: 1 });
    const m = await until('a data frame', () => messages.find((m) => m.topic.endsWith('/data')));
    const peer = m.topic.split('/')[3];
    const pack = decodeMaps(m.payload);
    expect(Array.isArray(pack)).toBe(true);
    let bn = '';
    const names = pack.map((rec: Map<number, unknown>) => {
      expect(rec).toBeInstanceOf(Map);
      for (const k of rec.keys()) expect([-2, -3, 0, 1, 2]).toContain(k);
      if (rec.has(-2)) bn = rec.get(-2) as string;
      expect(typeof rec.get(2)).toBe('number');
      return bn + (rec.get(0) as string);
    });
    expect(names).toEqual([`${peer}/temperature`, `${peer}/relay`]);
  });

  it('on SIGTERM every peer publishes its death with its birth seq, then exits 0', async () => {
    await client.subscribeAsync(`${ROOT}/peers/+/death`, { qos: 1 });
    sim.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => sim.on('exit', (c) => resolve(c)));
    expect(code, simErr).toBe(0);
    const deaths = await until('50 deaths', () => {
      const d = messages.filter((m) => m.topic.endsWith('/death')).map((m) => decode(m.payload));
      return d.length >= COUNT ? d : undefined;
    });
    for (const d of deaths) expect(d).toEqual({ v: 1, id: d.id, seq: births.get(d.id).seq });
    expect(new Set(deaths.map((d) => d.id)).size).toBe(COUNT);
  });
});
