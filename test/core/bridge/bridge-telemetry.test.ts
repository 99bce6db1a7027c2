// A bridge rpc with telemetry: a `peer rpc` span, child of the span active when rpc is called;
// over MQTT 5 the request carries that span's traceparent as a user property, over MQTT 3.1.1
// it carries no properties at all; failures end the span failed and are counted by outcome.
import { describe, expect, it } from 'vitest';
import { createBridge } from '../../../src/bridge/bridge.js';
import { decodeRpcRequest, encodeBirth, encodeRpcReply } from '../../../src/bridge/codec.js';
import { peerTopics } from '../../../src/bridge/frames.js';
import type { MqttMessage, MqttProtocolVersion, MqttPublishOptions, MqttTransport } from '../../../src/ports/mqtt-transport.js';
import { noopTelemetry, type Telemetry } from '../../../src/telemetry/telemetry.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

const T = peerTopics('wasmhost/v1', 'peer-7');

/** A transport whose peer answers every read at once; it keeps the options of each rpc publish. */
function answeringTransport(protocolVersion: MqttProtocolVersion) {
  const handlers = new Set<(m: MqttMessage) => void>();
  const sent: (MqttPublishOptions | undefined)[] = [];
  const deliver = (topic: string, payload: Uint8Array) => handlers.forEach((h) => h({ topic, payload, qos: 1, retain: false }));
  const transport: MqttTransport = {
    protocolVersion,
    connected: true,
    connect: async () => undefined,
    async publish(topic, payload, options) {
      if (topic !== T.rpc) return;
      sent.push(options);
      const decoded = decodeRpcRequest(payload);
      if (decoded.ok) queueMicrotask(() => deliver(T.reply, encodeRpcReply({ id: decoded.frame.id, ok: true, value: 20 })));
    },
    subscribe: async () => undefined,
    unsubscribe: async () => undefined,
    onMessage(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    onConnectionChange: () => () => undefined,
    close: async () => undefined,
  };
  return { transport, sent, online: () => deliver(T.birth, encodeBirth({ id: 'peer-7', class: 'x', seq: 1, ifaces: [], sensors: [], actuators: [] })) };
}

async function ask(protocolVersion: MqttProtocolVersion, telemetry: Telemetry) {
  const link = answeringTransport(protocolVersion);
  const bridge = await createBridge({ transport: link.transport, log: () => undefined, telemetry });
  link.online();
  return { bridge, sent: link.sent };
}

describe('bridge rpc telemetry', () => {
  it('MQTT 5: the request carries the traceparent of a peer rpc span that is a child of the active span', async () => {
    const rec = recordingTelemetry();
    const { bridge, sent } = await ask(5, rec.telemetry);
    const importSpan = rec.telemetry.startSpan('import wasmhost:device/sensors#read');
    const reply = await rec.telemetry.withSpan(importSpan, () => bridge.rpc('peer-7', { op: 'read', name: 'temperature' }));
    expect(reply).toMatchObject({ ok: true, value: 20 });
    const rpc = rec.spans.find((s) => s.name === 'peer rpc read')!;
    expect(rpc.parent).toBe(importSpan);
    expect(rpc).toMatchObject({ ended: true, error: undefined, attributes: { 'wasmhost.peer': 'peer-7', 'wasmhost.rpc.op': 'read', 'wasmhost.rpc.name': 'temperature' } });
    expect(sent[0]!.properties!.userProperties).toEqual([['traceparent', rpc.traceparent()]]);
    expect(rec.counters).toEqual([{ name: 'wasmhost.bridge.rpcs', value: 1, attributes: { 'wasmhost.peer': 'peer-7', 'wasmhost.outcome': 'ok' } }]);
    expect(rec.histograms.map((h) => h.name)).toEqual(['wasmhost.bridge.rpc.duration']);
    await bridge.close();
  });

  it('MQTT 3.1.1: no properties at all (3.1.1 cannot carry them), the span is still recorded', async () => {
    const rec = recordingTelemetry();
    const { bridge, sent } = await ask(4, rec.telemetry);
    await bridge.rpc('peer-7', { op: 'read', name: 'temperature' });
    expect(sent[0]).toEqual({ qos: 1 });
    expect(rec.spans.map((s) => s.name)).toEqual(['peer rpc read']);
    await bridge.close();
  });

  it('telemetry off: MQTT 5 requests carry no traceparent', async () => {
    const { bridge, sent } = await ask(5, noopTelemetry);
    await bridge.rpc('peer-7', { op: 'read', name: 'temperature' });
    expect(sent[0]!.properties!.userProperties).toBeUndefined();
    await bridge.close();
  });

  it('a request to an offline peer ends its span failed and counts outcome unavailable', async () => {
    const rec = recordingTelemetry();
    const link = answeringTransport(5);
    const bridge = await createBridge({ transport: link.transport, log: () => undefined, telemetry: rec.telemetry });
    await expect(bridge.rpc('peer-7', { op: 'read', name: 'temperature' })).rejects.toMatchObject({ code: 'unavailable' });
    expect(rec.spans[0].error).toMatchObject({ code: 'unavailable' });
    expect(rec.counters[0].attributes).toMatchObject({ 'wasmhost.outcome': 'unavailable' });
    expect(link.sent).toEqual([]);
    await bridge.close();
  });
});
