// The host's in-process transport into the embedded broker (host-node/aedes-transport.ts), with
// real network clients (mqtt.js peers and a page, and mosquitto_sub) on the same broker: what
// the host hears and sends is what its mqtt.js client did, and the access rule of every
// network client still holds for what the host publishes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../host-node/broker.js';
import { createMqttTransport, type MqttTransportOptions } from '../../../host-node/mqtt-transport.js';
import { createMqttBus } from '../../../src/bridge/mqtt-bus.js';
import type { BusMessage } from '../../../src/ports/message-bus.js';
import type { MqttConnectionEvent, MqttMessage, MqttTransport } from '../../../src/ports/mqtt-transport.js';
import { knownCredentials } from '../../support/credentials.js';
import { bytes, eventually, text } from './contract.js';

const PEERS = { p1: 'p1-secret', p2: 'p2-secret' };
const PAGES = { 'page-1': { secret: 'page-secret', peers: ['p1'] } };
const MOSQUITTO_SUB = '/usr/bin/mosquitto_sub';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function broker(lines: string[] = []): Promise<RunningBroker> {
  const b = await startBroker({ port: 0, credentials: knownCredentials(PEERS, PAGES), log: (line) => lines.push(line) });
  open.push(b);
  return b;
}

async function local(b: RunningBroker): Promise<MqttTransport> {
  const t = b.localTransport();
  open.push(t);
  await t.connect();
  return t;
}

/** A network client logging in as `id` (a peer or page id, its own client id). */
async function remote(b: RunningBroker, id: string, password: string, extra: Partial<MqttTransportOptions> = {}): Promise<MqttTransport> {
  const t = createMqttTransport({ url: b.url, protocolVersion: 4, username: id, password, clientId: id, connectTimeoutMs: 5000, ...extra });
  open.push(t);
  await t.connect();
  return t;
}

function record(t: MqttTransport): MqttMessage[] {
  const seen: MqttMessage[] = [];
  t.onMessage((m) => seen.push(m));
  return seen;
}
const lines = (seen: readonly MqttMessage[]) => seen.map((m) => `${m.topic} ${text(m.payload)}`);

describe('the in-process transport into the embedded broker', () => {
  it('subscribes with + and # through the bus, once per subscription, and stops after unsubscribing', async () => {
    const b = await broker();
    const bus = createMqttBus(await local(b));
    const seen: Record<string, string[]> = { plus: [], hash: [], exact: [], overlap: [] };
    const on = (key: string) => (m: BusMessage) => seen[key].push(`${m.topic} ${text(m.payload)}`);
    bus.subscribe('w/sensors/+/temperature', on('plus'));
    const stopHash = bus.subscribe('w/sensors/#', on('hash'));
    bus.subscribe('w/sensors/t1', on('exact'));
    bus.subscribe(['w/sensors/#', 'w/+/t1/temperature'], on('overlap'));
    await bus.flush();
    const pub = createMqttBus(await local(b));
    for (const topic of ['w/sensors/t1/temperature', 'w/sensors/t1', 'w/sensors', 'w/sensors/t1/temperature/raw', 'w/alarms/t1', 'w/sensors/t2/temperature']) pub.publish(topic, bytes('x'));
    await pub.flush();
    await eventually(() => seen.hash.length === 5, 'five messages on w/sensors/#');
    expect(seen.plus).toEqual(['w/sensors/t1/temperature x', 'w/sensors/t2/temperature x']);
    expect(seen.hash).toEqual(['w/sensors/t1/temperature x', 'w/sensors/t1 x', 'w/sensors x', 'w/sensors/t1/temperature/raw x', 'w/sensors/t2/temperature x']);
    expect(seen.exact).toEqual(['w/sensors/t1 x']);
    expect(seen.overlap).toEqual(seen.hash);

    stopHash();
    const direct = await local(b);
    const all = record(direct);
    await direct.subscribe('w/#');
    await direct.unsubscribe('w/#');
    pub.publish('w/sensors/t1', bytes('after'));
    await pub.flush();
    await eventually(() => seen.overlap.length === 6, 'the overlap subscription to hear it');
    expect(seen.hash).toHaveLength(5);
    expect(all).toEqual([]);
  });

  it('delivers one copy when several of its filters match, with the lower of the two QoS levels', async () => {
    const b = await broker();
    const host = await local(b);
    const seen = record(host);
    await host.subscribe(['q/#', 'q/+', 'q/a'], { qos: 0 });
    const pub = await local(b);
    await pub.publish('q/a', bytes('1'), { qos: 1 });
    await pub.publish('q/end', bytes('2'), { qos: 1 });
    await eventually(() => seen.length === 2, 'two messages');
    expect(seen.map((m) => [m.topic, m.qos, m.retain])).toEqual([['q/a', 0, false], ['q/end', 0, false]]);
  });

  it('sends retained messages to a later subscription flagged retained, its own and a peer\'s, until cleared', async () => {
    const b = await broker();
    const host = await local(b);
    await host.publish('r/status', bytes('online'), { retain: true });
    const peer = await remote(b, 'p1', PEERS.p1);
    await peer.publish('wasmhost/v1/peers/p1/birth', bytes('born'), { retain: true, qos: 1 });
    const late = await local(b);
    const seen = record(late);
    await late.subscribe(['r/#', 'wasmhost/v1/peers/+/birth']);
    await eventually(() => seen.length === 2, 'the two retained messages');
    expect(seen.map((m) => [m.topic, text(m.payload), m.retain]).sort()).toEqual([['r/status', 'online', true], ['wasmhost/v1/peers/p1/birth', 'born', true]]);
    await host.publish('r/status', new Uint8Array(), { retain: true });
    await host.publish('r/live', bytes('live'), { retain: true });
    await eventually(() => seen.length === 4, 'the two live messages');
    // Live deliveries are not flagged retained (MQTT 3.1.1, [MQTT-3.3.1-9]).
    expect(seen.slice(2).map((m) => [m.topic, m.retain])).toEqual([['r/status', false], ['r/live', false]]);
    const later = await local(b);
    const after = record(later);
    await later.subscribe('r/#');
    await eventually(() => after.length === 1, 'the one retained message left');
    expect(lines(after)).toEqual(['r/live live']);
  });

  it('hears peers and reaches them, while each peer still talks only on its own topics', async () => {
    const logged: string[] = [];
    const b = await broker(logged);
    const host = await local(b);
    const seen = record(host);
    await host.subscribe('wasmhost/v1/#');
    const p1 = await remote(b, 'p1', PEERS.p1);
    const p1Seen = record(p1);
    await p1.subscribe('wasmhost/v1/peers/p1/rpc');
    for (const filter of ['wasmhost/v1/peers/p2/rpc', 'wasmhost/v1/#']) {
      expect((await p1.subscribe(filter).catch((e: { code?: string }) => e))).toMatchObject({ code: 'denied' });
    }
    await p1.publish('wasmhost/v1/peers/p2/data', bytes('forged'));
    await p1.publish('wasmhost/v1/peers/p1/data', bytes('real'));
    await host.publish('wasmhost/v1/peers/p2/rpc', bytes('to p2'));
    await host.publish('wasmhost/v1/peers/p1/rpc', bytes('to p1'));
    await eventually(() => seen.length === 3 && p1Seen.length === 1, 'the allowed messages');
    expect(lines(seen)).toEqual(['wasmhost/v1/peers/p1/data real', 'wasmhost/v1/peers/p2/rpc to p2', 'wasmhost/v1/peers/p1/rpc to p1']);
    expect(lines(p1Seen)).toEqual(['wasmhost/v1/peers/p1/rpc to p1']);
    expect(logged.join('\n')).toMatch(/refused a publish of p1 \(username p1\) to wasmhost\/v1\/peers\/p2\/data/);
  });

  it('leaves a page hearing only what it was issued for when the host publishes', async () => {
    const b = await broker();
    const page = await remote(b, 'page-1', PAGES['page-1'].secret);
    const pageSeen = record(page);
    await page.subscribe('#');
    const host = await local(b);
    await host.publish('wasmhost/v1/peers/p2/data', bytes('not yours'));
    await host.publish('wasmhost/v1/peers/p1/rpc', bytes('an rpc'));
    await host.publish('wasmhost/v1/peers/p1/data', bytes('yours'));
    await host.publish('greenhouse/out', bytes('bus'));
    await eventually(() => pageSeen.length === 2, 'the two messages for the page');
    expect(lines(pageSeen)).toEqual(['wasmhost/v1/peers/p1/data yours', 'greenhouse/out bus']);
  });

  it('does not match $SYS topics with a leading wildcard: the broker\'s own notices stay out of #', async () => {
    const b = await broker();
    const host = await local(b);
    const seen = record(host);
    await host.subscribe('#');
    const sys = await local(b);
    const notices = record(sys);
    await sys.subscribe('$SYS/+/new/clients');
    await remote(b, 'p1', PEERS.p1); // the broker announces it on $SYS/<id>/new/clients
    await host.publish('x/1', bytes('one'));
    await eventually(() => seen.length > 0 && notices.length > 0, 'x/1 and the notice');
    expect(notices.map((m) => [m.topic.replace(/^\$SYS\/[^/]+/, '$SYS/<id>'), text(m.payload)])).toEqual([['$SYS/<id>/new/clients', 'p1']]);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines(seen)).toEqual(['x/1 one']);
  });

  it.skipIf(!existsSync(MOSQUITTO_SUB))('is heard by mosquitto_sub logged in as a peer', async () => {
    const b = await broker();
    const host = await local(b);
    const sub = spawn(MOSQUITTO_SUB, ['-h', '127.0.0.1', '-p', String(b.port), '-V', 'mqttv311', '-i', 'p1', '-u', 'p1', '-P', PEERS.p1, '-t', 'wasmhost/v1/peers/p1/rpc', '-C', '1', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => sub.once('exit', resolve));
    open.push({ close: async () => void sub.kill() });
    // Publish until mosquitto_sub has subscribed (it exits after the first message).
    for (let n = 0; sub.exitCode === null && n < 200; n++) {
      await host.publish('wasmhost/v1/peers/p1/rpc', bytes('hello p1'), { qos: 1 });
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await exited).toBe(0);
    expect(out).toBe('wasmhost/v1/peers/p1/rpc hello p1\n');
  });

  it('refuses what MQTT 3.1.1 or the host\'s rights do not allow, with the error codes of the mqtt.js transport', async () => {
    const b = await broker();
    const fresh = b.localTransport();
    await expect(fresh.publish('a', bytes('x'))).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/before connect\(\)/) });
    const host = await local(b);
    await expect(host.connect()).rejects.toMatchObject({ code: 'bad-input' });
    await expect(host.publish('a', bytes('x'), { properties: { contentType: 'text/plain' } })).rejects.toMatchObject({ code: 'unsupported' });
    await expect(host.subscribe('a', { subscriptionIdentifier: 3 })).rejects.toMatchObject({ code: 'unsupported' });
    await expect(host.publish('$SYS/x', bytes('x'))).rejects.toMatchObject({ code: 'denied' });
    for (const topic of ['', 'a/+', 'a/#']) await expect(host.publish(topic, bytes('x'))).rejects.toMatchObject({ code: 'bad-input' });
    for (const filter of ['a/#/b', 'a/b+', '']) await expect(host.subscribe(filter)).rejects.toMatchObject({ code: 'bad-input' });
    await expect(host.publish('big', new Uint8Array(65 * 1024))).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/65536-byte packet limit/) });
    const events: MqttConnectionEvent[] = [];
    host.onConnectionChange((e) => events.push(e));
    await host.close();
    await host.close();
    expect(events).toEqual([{ state: 'closed' }]);
    expect(host.connected).toBe(false);
    await expect(host.publish('a', bytes('x'))).rejects.toMatchObject({ code: 'io' });
  });

  it('is closed when the broker closes', async () => {
    const b = await broker();
    const host = await local(b);
    const events: MqttConnectionEvent[] = [];
    host.onConnectionChange((e) => events.push(e));
    expect(host.connected).toBe(true);
    await b.close();
    await eventually(() => events.length === 1, 'the closed event');
    expect(events).toEqual([{ state: 'closed' }]);
    expect(host.connected).toBe(false);
  });
});
