// The bridge and the peer device provider over an in-memory transport: MQTT 5 properties on
// requests, and how the provider maps names, grants, ranges and failures to the WIT results.
import { describe, expect, it } from 'vitest';
import { createBridge, type Bridge, type BridgeOptions } from '../../../src/bridge/bridge.js';
import { decodeRpcRequest, encodeBirth, encodeDeath, encodeRpcReply } from '../../../src/bridge/codec.js';
import { peerTopics, type RpcRequestFrame } from '../../../src/bridge/frames.js';
import { createPeerDeviceProvider } from '../../../src/bridge/peer-device-provider.js';
import type { Grants } from '../../../src/capabilities/grants.js';
import type { MqttMessage, MqttProtocolVersion, MqttPublishOptions, MqttTransport } from '../../../src/ports/mqtt-transport.js';

const T = peerTopics('wasmhost/v1', 'peer-7');

/** A transport that records publishes and lets the test deliver messages. */
function fakeTransport(protocolVersion: MqttProtocolVersion) {
  const handlers = new Set<(m: MqttMessage) => void>();
  const published: { topic: string; payload: Uint8Array; options?: MqttPublishOptions }[] = [];
  const subscribed: string[] = [];
  const transport: MqttTransport = {
    protocolVersion,
    connected: true,
    connect: async () => undefined,
    async publish(topic, payload, options) {
      published.push({ topic, payload, options });
    },
    async subscribe(filters) {
      subscribed.push(...(typeof filters === 'string' ? [filters] : filters));
    },
    unsubscribe: async () => undefined,
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onConnectionChange: () => () => undefined,
    close: async () => undefined,
  };
  const deliver = (topic: string, payload: Uint8Array) => handlers.forEach((h) => h({ topic, payload, qos: 1, retain: false }));
  return { transport, published, subscribed, deliver };
}

const BIRTH = encodeBirth({
  id: 'peer-7', class: 'embedded-peer', seq: 3, ifaces: [],
  sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }],
  actuators: [{ name: 'relay', unit: '', kind: 'relay', min: 0, max: 1 }],
});

/** A bridge whose peer-7 answers each request with `answer`. */
async function setup(answer: (req: RpcRequestFrame) => Uint8Array | undefined, protocolVersion: MqttProtocolVersion = 4, more: Partial<BridgeOptions> = {}) {
  const fake = fakeTransport(protocolVersion);
  const lines: string[] = [];
  const bridge = await createBridge({ transport: fake.transport, rpcTimeoutMs: 100, log: (l) => lines.push(l), ...more });
  const publish = fake.transport.publish.bind(fake.transport);
  fake.transport.publish = async (topic, payload, options) => {
    await publish(topic, payload, options);
    const decoded = decodeRpcRequest(payload);
    if (topic === T.rpc && decoded.ok) {
      const reply = answer(decoded.frame);
      if (reply) queueMicrotask(() => fake.deliver(T.reply, reply));
    }
  };
  fake.deliver(T.birth, BIRTH);
  return { ...fake, bridge, lines };
}

function imports(bridge: Bridge, grants: Grants, local = {}) {
  const impl = createPeerDeviceProvider(bridge, local).create({ workload: 'w', config: {}, grants, log: () => undefined }) as Record<string, any>;
  return { sensors: impl['wasmhost:device/sensors'], actuators: impl['wasmhost:device/actuators'] };
}

const caught = async (f: () => unknown) => {
  try {
    await f();
  } catch (e) {
    return (e as { payload?: unknown }).payload ?? e;
  }
  throw new Error('did not throw');
};

describe('bridge requests', () => {
  it('subscribes to birth, death, reply and data; over MQTT 5 a request carries Response Topic, Correlation Data and Content Type', async () => {
    const answer = (req: RpcRequestFrame) => encodeRpcReply({ id: req.id, ok: true, value: 20, unit: 'Cel' });
    const { bridge, published, subscribed } = await setup(answer, 5, { firstRpcId: 0x0102_0304 });
    expect(subscribed).toEqual(['birth', 'death', 'reply', 'data'].map((k) => `wasmhost/v1/peers/+/${k}`));
    expect(await bridge.rpc('peer-7', { op: 'read', name: 'temperature' })).toEqual({ id: 0x0102_0304, ok: true, value: 20, unit: 'Cel' });
    await bridge.rpc('peer-7', { op: 'read', name: 'temperature' });
    const [, second] = published;
    expect(second.topic).toBe(T.rpc);
    expect(second.options).toEqual({
      qos: 1,
      properties: { responseTopic: T.reply, correlationData: new Uint8Array([1, 2, 3, 5]), contentType: 'application/cbor' },
    });
    expect(decodeRpcRequest(second.payload)).toEqual({ ok: true, frame: { id: 0x0102_0305, op: 'read', name: 'temperature', reply: T.reply } });
  });

  it('numbers requests from a random uint32 by default, consecutively, wrapping from 2^32 - 1 to 0', async () => {
    const answer = (req: RpcRequestFrame) => encodeRpcReply({ id: req.id, ok: true });
    const ids = async (more: Partial<BridgeOptions>) => {
      const { bridge, published } = await setup(answer, 4, more);
      for (let i = 0; i < 3; i++) await bridge.rpc('peer-7', { op: 'set', name: 'relay', value: 1 });
      return published.map((p) => (decodeRpcRequest(p.payload) as { frame: RpcRequestFrame }).frame.id);
    };
    expect(await ids({ firstRpcId: 0xffff_fffe })).toEqual([0xffff_fffe, 0xffff_ffff, 0]);
    const [a, b] = [await ids({}), await ids({})];
    expect(a[0]).not.toBe(b[0]); // two bridges: different random starts (equal once in 2^32 runs)
    for (const run of [a, b]) expect(run).toEqual([run[0], (run[0] + 1) % 2 ** 32, (run[0] + 2) % 2 ** 32]);
    await expect(setup(answer, 4, { firstRpcId: 2 ** 32 })).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('over MQTT 3.1.1 carries no properties; a request without a reply times out with a clear message', async () => {
    const { bridge, published } = await setup(() => undefined);
    const error = await bridge.rpc('peer-7', { op: 'set', name: 'relay', value: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', message: 'peer peer-7 did not answer set relay within 100 ms' });
    expect(published[0].options).toEqual({ qos: 1 });
  });
});

describe('peer device provider', () => {
  it('lists local and online peer offers under the grants; read and set go over the bridge', async () => {
    const { bridge, deliver } = await setup((req) => encodeRpcReply(req.op === 'read' ? { id: req.id, ok: true, value: 19.5, t: 1_700_000_000_000 } : { id: req.id, ok: true }));
    const local = { sensors: { probe: { unit: 'V', kind: 'voltage', read: () => 3.3 } } };
    const { sensors, actuators } = imports(bridge, { sensors: ['*'], actuators: ['peer-7/relay'] }, local);
    expect(sensors.list()).toEqual([
      { name: 'probe', unit: 'V', kind: 'voltage' },
      { name: 'peer-7/temperature', unit: 'Cel', kind: 'temperature' },
    ]);
    expect(actuators.list()).toEqual([{ name: 'peer-7/relay', unit: '', kind: 'relay', min: 0, max: 1 }]);
    expect(sensors.read('probe')).toMatchObject({ value: 3.3, unit: 'V' }); // local: synchronous
    expect(await sensors.read('peer-7/temperature')).toEqual({ value: 19.5, unit: 'Cel', timestampMs: 1_700_000_000_000n });
    expect(await actuators.set('peer-7/relay', 1)).toBeUndefined();
    deliver(T.death, encodeDeath({ id: 'peer-7', seq: 3 }));
    expect(sensors.list()).toEqual([{ name: 'probe', unit: 'V', kind: 'voltage' }]);
    expect(await caught(() => sensors.read('peer-7/temperature'))).toEqual({ tag: 'unavailable', val: expect.stringMatching(/^peer peer-7 is offline/) });
  });

  it('not-found, denied and out-of-range are decided before any request; peer errors and timeouts map to the WIT cases', async () => {
    let next: (id: number) => Uint8Array | undefined = () => undefined;
    const { bridge, published } = await setup((req) => next(req.id));
    const { sensors, actuators } = imports(bridge, { sensors: ['peer-7/other'], actuators: ['*'] });
    expect(await caught(() => sensors.read('peer-9/temperature'))).toEqual({ tag: 'not-found' });
    expect(await caught(() => sensors.read('peer-7/humidity'))).toEqual({ tag: 'not-found' });
    expect(await caught(() => sensors.read('peer-7/temperature'))).toEqual({ tag: 'denied' });
    expect(await caught(() => actuators.set('peer-7/relay', 5))).toEqual({ tag: 'out-of-range' });
    expect(await caught(() => actuators.set('peer-7/relay', NaN))).toEqual({ tag: 'out-of-range' });
    expect(published).toHaveLength(0);
    expect(await caught(() => actuators.set('peer-7/relay', 1))).toEqual({ tag: 'timeout' });
    next = (id) => encodeRpcReply({ id, ok: false, err: 'out-of-range', msg: 'relay takes 0 or 1' });
    expect(await caught(() => actuators.set('peer-7/relay', 0.5))).toEqual({ tag: 'out-of-range' });
    next = (id) => encodeRpcReply({ id, ok: false, err: 'unavailable', msg: 'busy' });
    expect(await caught(() => actuators.set('peer-7/relay', 0))).toEqual({ tag: 'unavailable', val: 'peer peer-7 answered unavailable for relay: busy' });
  });
});
