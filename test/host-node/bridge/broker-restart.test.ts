// The bridge across a restart of a real mosquitto (persistence on): the host's transport keeps a
// persistent session (clean=false, MQTT 5 session expiry), so QoS 1 SenML data a peer publishes
// while the host is still disconnected is queued by the broker and delivered after the host
// reconnects; no sequence number is lost, and rpc works again.
import { connectAsync, type MqttClient } from 'mqtt';
import { Encoder, type Options as CborOptions } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttTransport } from '../../../host-node/mqtt-transport.js';
import { startPeerSim, type PeerSim } from '../../../host-node/peer-sim.js';
import { createBridge, type Bridge } from '../../../src/bridge/bridge.js';
import type { MqttConnectionEvent, MqttTransport } from '../../../src/ports/mqtt-transport.js';
import { haveMosquitto, noMosquitto, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';

const ROOT = 'wasmhost/v1';
if (!haveMosquitto) console.warn(noMosquitto);

const encoder = new Encoder({ useRecords: false, useTag259ForMaps: false } as CborOptions);

async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!haveMosquitto)('bridge: mosquitto restarts under a persistent session', () => {
  let broker: Mosquitto;
  let transport: MqttTransport;
  let bridge: Bridge;
  let sim: PeerSim;
  let seqPeer: MqttClient;
  const events: { at: number; event: MqttConnectionEvent }[] = [];
  /** Sequence numbers the bridge delivered (duplicates allowed: QoS 1 is at least once). */
  const received = new Set<number>();
  /** When the broker acknowledged each sequence number's PUBLISH. */
  const acked = new Map<number, number>();
  let published = 0;
  let publishing = true;
  let loop: Promise<void> | undefined;

  beforeAll(async () => {
    broker = await startMosquitto();
    transport = createMqttTransport({
      url: broker.url, protocolVersion: 5, clientId: 'wasmhost-restart-test', clean: false, sessionExpirySeconds: 600,
      // Slower than the peers on purpose: they are back and publishing before the host is.
      reconnectMinMs: 1500, reconnectMaxMs: 1500,
    });
    transport.onConnectionChange((event) => events.push({ at: Date.now(), event }));
    await transport.connect();
    bridge = await createBridge({ transport, rpcTimeoutMs: 2000, log: () => undefined });
    bridge.onReading((records, peer) => {
      if (peer !== 'seq-1') return;
      for (const r of records) if (r.name === 'seq-1/seq' && r.value !== undefined) received.add(r.value);
    });
    sim = await startPeerSim({ url: broker.url, count: 1, rate: 0, prefix: 'sim' });
    // A peer that publishes a numbered SenML record every 20 ms at QoS 1 and keeps reconnecting fast.
    seqPeer = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'seq-1', clean: true, reconnectPeriod: 100 });
    loop = (async () => {
      while (publishing) {
        if (seqPeer.connected) {
          const n = ++published;
          const pack = [new Map<number, unknown>([[-2, 'seq-1/'], [0, 'seq'], [2, n]])];
          seqPeer.publish(`${ROOT}/peers/seq-1/data`, Buffer.from(encoder.encode(pack)), { qos: 1 }, (error) => {
            if (!error) acked.set(n, Date.now());
          });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  });

  afterAll(async () => {
    publishing = false;
    await loop;
    await seqPeer?.endAsync().catch(() => undefined);
    await sim?.stop();
    await bridge?.close();
    await transport?.close();
    await broker?.stop();
  });

  it('reconnects, resumes its session, loses no QoS 1 record and serves rpc again', async () => {
    await eventually(() => bridge.peer('sim-1')?.online, 5000, () => 'the birth of sim-1');
    expect(await bridge.rpc('sim-1', { op: 'read', name: 'temperature' })).toMatchObject({ ok: true, unit: 'Cel' });
    await eventually(() => received.size >= 10, 5000, () => 'the first records');

    await broker.restart(300);
    const up = Date.now();
    const reconnected = await eventually(
      () => events.find((e) => e.at >= up && e.event.state === 'connected'),
      15_000, () => `the host to reconnect; events: ${JSON.stringify(events.map((e) => e.event.state))}`);
    expect(events.some((e) => e.event.state === 'disconnected')).toBe(true);
    // The broker kept the host's session across its restart (persistence + clean=false).
    expect(reconnected.event).toEqual({ state: 'connected', sessionPresent: true });

    // Records the broker acknowledged after it came back but before the host reconnected: the
    // host was away while they were published, so only its persistent session can deliver them.
    const whileAway = [...acked].filter(([, at]) => at >= up && at < reconnected.at).map(([n]) => n);
    expect(whileAway.length).toBeGreaterThan(5);

    await new Promise((r) => setTimeout(r, 300));
    publishing = false;
    await loop;
    const last = published;
    await eventually(() => acked.size >= last, 10_000, () => `the peer's ${last} publishes to be acknowledged (${acked.size})`);
    await eventually(() => {
      for (let n = 1; n <= last; n++) if (!received.has(n)) return false;
      return true;
    }, 10_000, () => {
      const missing = Array.from({ length: last }, (_, i) => i + 1).filter((n) => !received.has(n));
      return `every record 1..${last}; missing ${missing.length}: ${missing.slice(0, 20).join(' ')}`;
    });
    for (const n of whileAway) expect(received.has(n)).toBe(true);

    // The simulated peer came back too (a new birth, a higher seq): rpc works again.
    const reply = await eventually(
      () => bridge.rpc('sim-1', { op: 'read', name: 'temperature' }).then((r) => r.ok && r, () => undefined),
      10_000, () => 'an rpc answer after the restart');
    expect(reply).toMatchObject({ ok: true, unit: 'Cel', value: expect.any(Number) });
    expect(await bridge.rpc('sim-1', { op: 'set', name: 'relay', value: 1 })).toMatchObject({ ok: true });
  });
});
