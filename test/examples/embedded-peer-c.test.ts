// The reference embedded peer in C (examples/embedded-peer-c/) against Debian's
// mosquitto, as real processes: built with gcc + libmosquitto into a temp dir,
// the broker started here on a free loopback port with its own config file, the
// peer checked from the outside with an mqtt.js client. The main peer runs under
// valgrind (when present) through every test, so garbage frames are also checked
// for memory errors.
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Decoder, Encoder, type Options as CborOptions } from 'cbor-x';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = 'wasmhost/v1';
const SRC = 'examples/embedded-peer-c';

/** An executable on PATH or in the sbin directories (Debian puts mosquitto in /usr/sbin). */
function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  return dirs.map((d) => join(d, name)).find((p) => p && existsSync(p));
}

const GCC = findTool('gcc');
const MAKE = findTool('make');
const MOSQUITTO = findTool('mosquitto');
const VALGRIND = findTool('valgrind');
const HAVE_LIBMOSQUITTO = existsSync('/usr/include/mosquitto.h');
const MISSING = [!GCC && 'gcc', !MAKE && 'make', !HAVE_LIBMOSQUITTO && 'libmosquitto-dev', !MOSQUITTO && 'mosquitto'].filter(Boolean);
if (MISSING.length > 0) {
  console.warn(`embedded-peer-c tests skipped: missing ${MISSING.join(', ')} (Debian: apt-get install gcc make libmosquitto-dev mosquitto)`);
}

// Plain CBOR both ways (cbor-x's typings lack int64AsNumber and useTag259ForMaps):
// 64-bit unsigned ints (seq, t) decode as numbers; Maps encode as plain maps.
const decode = (b: Buffer): any => new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as CborOptions).decode(b);
const decodeMaps = (b: Buffer): any => new Decoder({ useRecords: false, mapsAsObjects: false, int64AsNumber: true } as CborOptions).decode(b);
const encoder = new Encoder({ useRecords: false, useTag259ForMaps: false } as CborOptions);
const encode = (v: unknown): Buffer => Buffer.from(encoder.encode(v));

/** A child process whose stdout lines are kept and can be waited for. */
class Proc {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        this.waiters.forEach((w) => w());
      }
    });
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  async waitLine(re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const m = line.match(re);
        if (m) return m;
      }
      if (Date.now() > deadline) throw new Error(`no line matching ${re}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
      this.waiters = [];
    }
  }
}

/** Messages a client receives, waited for by predicate. */
class Inbox {
  readonly messages: Array<{ topic: string; payload: Buffer; packet: IPublishPacket }> = [];
  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload, packet }));
  }
  async next(pred: (m: Inbox['messages'][number]) => boolean, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const EXPECTED_BIRTH = (id: string, seq: number) => ({
  v: 1,
  id,
  class: 'embedded-peer',
  seq,
  ifaces: [
    { name: 'wasmhost:device/sensors', version: '0.1.0' },
    { name: 'wasmhost:device/actuators', version: '0.1.0' },
  ],
  sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }],
  actuators: [{ name: 'relay', unit: '', kind: 'relay', min: 0, max: 1 }],
});

/** Checks one SenML pack (RFC 8428 §6: an array of maps with integer keys) and returns its records. */
function checkSenml(pack: unknown, peerId: string): Array<{ name: string; unit?: string; value: number }> {
  expect(Array.isArray(pack)).toBe(true);
  const records = pack as unknown[];
  expect(records.length).toBeGreaterThan(0);
  const out: Array<{ name: string; unit?: string; value: number }> = [];
  let bn = '';
  for (const rec of records) {
    expect(rec).toBeInstanceOf(Map);
    const m = rec as Map<unknown, unknown>;
    for (const [k, v] of m) {
      expect([-2, -3, -4, 0, 1, 2, 3, 4, 6]).toContain(k);
      if (k === -2 || k === -4 || k === 0 || k === 1 || k === 3) expect(typeof v).toBe('string');
      if (k === -3 || k === 2 || k === 6) expect(typeof v).toBe('number');
      if (k === 4) expect(typeof v).toBe('boolean');
    }
    if (m.has(-2)) bn = m.get(-2) as string;
    if (m.has(-3)) expect(Math.abs((m.get(-3) as number) - Date.now() / 1000)).toBeLessThan(120);
    expect([2, 3, 4].filter((k) => m.has(k))).toHaveLength(1); // exactly one value
    const name = bn + (m.get(0) as string);
    expect(name).toMatch(new RegExp(`^${peerId}/[a-z]+$`));
    out.push({ name, unit: m.get(1) as string | undefined, value: m.get(2) as number });
  }
  return out;
}

// Tiny CBOR pieces for frames cbor-x would not write (float16, integer keys, trailing bytes).
const cborText = (s: string) => {
  const n = Buffer.byteLength(s); // < 256 bytes
  return Buffer.concat([Buffer.from(n < 24 ? [0x60 | n] : [0x78, n]), Buffer.from(s)]);
};
const cborUint = (n: number) => (n < 24 ? Buffer.from([n]) : Buffer.from([0x19, n >> 8, n & 0xff])); // < 65536

describe.skipIf(MISSING.length > 0)('examples/embedded-peer-c (reference peer against mosquitto)', () => {
  let dir: string;
  let broker: Mosquitto;
  let url: string;
  let peer: Proc; // peer-7, under valgrind when present
  let seq: number;
  let client: MqttClient;
  let inbox: Inbox;
  const base = `${ROOT}/peers/peer-7`;
  let tempFile: string;
  const spawned: ChildProcess[] = [];

  function startPeer(id: string, extra: string[] = [], valgrind = false): Proc {
    const args = ['--host', '127.0.0.1', '--port', String(broker.port), '--id', id, ...extra];
    const bin = join(dir, 'peer');
    const child = valgrind
      ? spawn(VALGRIND!, ['-q', '--error-exitcode=1', '--leak-check=full', '--errors-for-leak-kinds=definite', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    spawned.push(child);
    return new Proc(child);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmhost-peer-c-'));
    execFileSync(MAKE!, ['-s', '-C', SRC, `OUT=${dir}`], { stdio: 'pipe' });
    broker = await startMosquitto();
    url = broker.url;
    client = await connectAsync(url, { protocolVersion: 4, clientId: 'test-host', reconnectPeriod: 0 });
    inbox = new Inbox(client);
    await client.subscribeAsync([`${base}/reply`, `${base}/data`, `${base}/death`], { qos: 1 });
    tempFile = join(dir, 'temperature');
    writeFileSync(tempFile, '21.5\n');
    peer = startPeer('peer-7', ['--period-ms', '200', '--temp-file', tempFile], Boolean(VALGRIND));
    seq = Number((await peer.waitLine(/^birth seq=(\d+)$/, 30_000))[1]);
  });

  afterAll(async () => {
    await client?.endAsync();
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let nextId = 100;
  /** Sends an rpc frame and waits for the reply with its id. */
  async function rpc(frame: Record<string, unknown>): Promise<any> {
    const id = nextId++;
    await client.publishAsync(`${base}/rpc`, encode({ v: 1, id, reply: `${base}/reply`, ...frame }), { qos: 1 });
    const m = await inbox.next((m) => m.topic === `${base}/reply` && decode(m.payload).id === id);
    return decode(m.payload);
  }

  it('builds with -Wall -Wextra -Werror -O2, and its CBOR codec passes its self-test', () => {
    const cmd = VALGRIND ? [VALGRIND, '-q', '--error-exitcode=1', join(dir, 'cbor-test')] : [join(dir, 'cbor-test')];
    expect(execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8' })).toContain('all passed');
  });

  it('publishes a retained birth that decodes to the exact expected map', async () => {
    const late = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
    const got = new Inbox(late);
    await late.subscribeAsync(`${base}/birth`, { qos: 1 });
    const m = await got.next((m) => m.topic === `${base}/birth`);
    await late.endAsync();
    expect(m.packet.retain).toBe(true);
    expect(decode(m.payload)).toEqual(EXPECTED_BIRTH('peer-7', seq));
    expect(m.payload.length).toBeLessThanOrEqual(4096);
  });

  it('answers read with the same id, a number, its unit and a timestamp', async () => {
    const before = Date.now();
    const r = await rpc({ op: 'read', name: 'temperature' });
    expect(r).toEqual({ v: 1, id: r.id, ok: true, value: 21.5, unit: 'Cel', t: expect.any(Number) });
    expect(r.t).toBeGreaterThanOrEqual(before - 5000);
    await peer.waitLine(/^rpc read temperature -> 21\.50$/);
  });

  it('sets the relay (ok, stdout relay=1) and reads it back', async () => {
    expect(await rpc({ op: 'set', name: 'relay', value: 1 })).toEqual({ v: 1, id: expect.any(Number), ok: true });
    await peer.waitLine(/^relay=1$/);
    expect(await rpc({ op: 'read', name: 'relay' })).toMatchObject({ ok: true, value: 1, unit: '' });
  });

  it('answers out-of-range, not-found and unavailable', async () => {
    expect(await rpc({ op: 'set', name: 'relay', value: 5 })).toEqual({ v: 1, id: expect.any(Number), ok: false, err: 'out-of-range', msg: expect.any(String) });
    expect(await rpc({ op: 'set', name: 'relay', value: -0.5 })).toMatchObject({ ok: false, err: 'out-of-range' });
    expect(await rpc({ op: 'read', name: 'nope' })).toEqual({ v: 1, id: expect.any(Number), ok: false, err: 'not-found', msg: expect.any(String) });
    expect(await rpc({ op: 'set', name: 'temperature', value: 1 })).toMatchObject({ ok: false, err: 'not-found' });
    unlinkSync(tempFile);
    expect(await rpc({ op: 'read', name: 'temperature' })).toMatchObject({ ok: false, err: 'unavailable' });
    writeFileSync(tempFile, '21.5\n');
  });

  it('survives garbage on its rpc topic: no reply without an id, bad-request with one, unknown keys ignored', async () => {
    const reply = `${base}/reply`;
    const valid = (id: number, extra: Record<string, unknown> = {}) => encode({ v: 1, id, op: 'read', name: 'relay', reply, ...extra });
    let deep: unknown = 0;
    for (let i = 0; i < 40; i++) deep = [deep];
    const frames: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([0xff, 0x00, 0x13]),
      Buffer.from('this is not CBOR at all, just text'),
      Buffer.from([0xbf, 0x61, 0x76, 0x01]), // indefinite map, no break
      Buffer.from([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // absurd array length
      Buffer.from([0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // absurd text length
      encode([1, 2, 3]),
      encode('hello'),
      encode({ v: 1, op: 'read', name: 'temperature', reply }), // no id
      encode({ v: 1, id: -5, op: 'read', name: 'temperature', reply }), // id not unsigned
      encode({ v: 1, id: 'x', op: 'read', name: 'temperature', reply }),
      valid(201, { pad: 'x'.repeat(5000) }), // over 4096 bytes: dropped unread
      valid(201).subarray(0, 20), // truncated
      Buffer.concat([valid(201), Buffer.from([0x00])]), // trailing bytes
      valid(201, { deep }), // nested deeper than the peer accepts
      encode({ v: 2, id: 202, op: 'read', name: 'relay', reply }),
      encode({ v: 1, id: 203, name: 'relay', reply }),
      encode({ v: 1, id: 204, op: 'read', name: 42, reply }),
      encode({ v: 1, id: 205, op: 'set', name: 'relay', value: 'on', reply }),
      encode({ v: 1, id: 206, op: 'read', name: 'temperature' }), // nowhere to reply to
      encode({ v: 1, id: 207, op: 'jump', name: 'relay', reply }),
      encode({ v: 1, id: 208, op: 'read', name: 'relay', reply: `${ROOT}/+/oops` }), // not a topic name
      encode({ v: 1, id: 209, op: 'read', name: Buffer.from('relay'), reply }), // name as bytes
      encode({ v: 1, id: 210, op: 'read', name: 'relay', reply, extra: { nested: [1, 2.5, null, true] } }),
      encode(new Map<unknown, unknown>([[7, 'int key'], ['v', 1], ['id', 211], ['op', 'read'], ['name', 'relay'], ['reply', reply]])),
      // set relay 1.0 as a float16 (0xf93c00), as other encoders may write it
      Buffer.concat([
        Buffer.from([0xa6]),
        ...[cborText('v'), cborUint(1), cborText('id'), cborUint(212), cborText('op'), cborText('set')],
        ...[cborText('name'), cborText('relay'), cborText('value'), Buffer.from([0xf9, 0x3c, 0x00]), cborText('reply'), cborText(reply)],
      ]),
    ];
    const start = inbox.messages.length;
    for (const f of frames) await client.publishAsync(`${base}/rpc`, f, { qos: 1 });
    const end = await rpc({ op: 'read', name: 'relay' }); // replies come in order: all earlier ones are in
    const replies = inbox.messages.slice(start).filter((m) => m.topic === reply).map((m) => decode(m.payload));
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect([...byId.keys()].sort((a, b) => a - b)).toEqual([end.id, 202, 203, 204, 205, 207, 209, 210, 211, 212]);
    for (const id of [202, 203, 204, 205, 207, 209]) expect(byId.get(id)).toMatchObject({ v: 1, ok: false, err: 'bad-request', msg: expect.any(String) });
    for (const id of [210, 211]) expect(byId.get(id)).toMatchObject({ ok: true, value: 1 });
    expect(byId.get(212)).toEqual({ v: 1, id: 212, ok: true });
    expect(peer.child.exitCode).toBeNull();
    await peer.waitLine(/^rpc dropped: frame of \d+ bytes/);
  });

  it('publishes valid SenML CBOR data', async () => {
    const start = inbox.messages.length;
    await inbox.next((m) => m.topic === `${base}/data` && inbox.messages.indexOf(m) >= start);
    const m = inbox.messages.slice(start).find((m) => m.topic === `${base}/data`)!;
    const records = checkSenml(decodeMaps(m.payload), 'peer-7');
    expect(records).toEqual([
      { name: 'peer-7/temperature', unit: 'Cel', value: 21.5 },
      { name: 'peer-7/relay', unit: undefined, value: 1 },
    ]);
  });

  it('replies to an MQTT 5 Response Topic with the Correlation Data, and says goodbye on SIGTERM', async () => {
    const p = startPeer('peer-5', ['--mqtt5', '--period-ms', '0']);
    const seq5 = Number((await p.waitLine(/^birth seq=(\d+)$/))[1]);
    const v5 = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    const got = new Inbox(v5);
    await v5.subscribeAsync(['replies/test-host', `${ROOT}/peers/peer-5/death`], { qos: 1 });
    await v5.publishAsync(`${ROOT}/peers/peer-5/rpc`, encode({ v: 1, id: 1, op: 'read', name: 'relay' }), {
      qos: 1,
      properties: { responseTopic: 'replies/test-host', correlationData: Buffer.from('corr-1') },
    });
    const r = await got.next((m) => m.topic === 'replies/test-host');
    expect(decode(r.payload)).toMatchObject({ v: 1, id: 1, ok: true, value: 0 });
    expect(Buffer.from(r.packet.properties!.correlationData!).toString()).toBe('corr-1');
    p.child.kill('SIGTERM');
    const d = await got.next((m) => m.topic.endsWith('/death'));
    expect(decode(d.payload)).toEqual({ v: 1, id: 'peer-5', seq: seq5 });
    expect(await p.exited).toEqual({ code: 0, signal: null });
    await p.waitLine(new RegExp(`^death seq=${seq5}$`));
    await v5.endAsync();
  });

  it('on SIGKILL the broker publishes its Last Will: the death with the birth seq', async () => {
    const seqFile = join(dir, 'peer-9.seq');
    const p = startPeer('peer-9', ['--period-ms', '0', '--seq-file', seqFile]);
    const seq9 = Number((await p.waitLine(/^birth seq=(\d+)$/))[1]);
    await client.subscribeAsync(`${ROOT}/peers/peer-9/death`, { qos: 1 });
    p.child.kill('SIGKILL');
    const d = await inbox.next((m) => m.topic === `${ROOT}/peers/peer-9/death`);
    expect(d.packet.retain).toBe(false);
    expect(decode(d.payload)).toEqual({ v: 1, id: 'peer-9', seq: seq9 });
    // A restart announces a higher seq, so that death is stale for the new birth.
    const again = startPeer('peer-9', ['--period-ms', '0', '--seq-file', seqFile]);
    await again.waitLine(new RegExp(`^birth seq=${seq9 + 1}$`));
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('without --seq-file takes the seq from the clock: seconds since the epoch, a uint32', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(seq).toBeGreaterThan(now - 120);
    expect(seq).toBeLessThanOrEqual(now);
    expect(seq).toBeLessThanOrEqual(0xffff_ffff);
  });

  it('keeps the seq in --seq-file across restarts', async () => {
    const seqFile = join(dir, 'peer-3.seq');
    for (const want of [1, 2]) {
      const p = startPeer('peer-3', ['--period-ms', '0', '--seq-file', seqFile]);
      await p.waitLine(new RegExp(`^birth seq=${want}$`));
      p.child.kill('SIGTERM');
      expect((await p.exited).code).toBe(0);
    }
  });

  it('exits cleanly on SIGTERM, publishing its death (and valgrind found no errors)', async () => {
    const start = inbox.messages.length;
    peer.child.kill('SIGTERM');
    const { code } = await peer.exited;
    expect(code, peer.stderr).toBe(0);
    const d = await inbox.next((m) => m.topic === `${base}/death` && inbox.messages.indexOf(m) >= start);
    expect(decode(d.payload)).toEqual({ v: 1, id: 'peer-7', seq });
    expect(peer.lines).toContain(`death seq=${seq}`);
  });
});
