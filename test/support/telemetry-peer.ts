// What the bridge and telemetry tests run against: a sensor-filter deployment sampling peer-7's temperature
// in a worker, and peer-7 itself on its own MQTT 5 connection (keeping each rpc's traceparent).
import { createMqttTransport } from '../../host-node/mqtt-transport.js';
import { decodeRpcRequest, encodeBirth, encodeRpcReply } from '../../src/bridge/codec.js';
import { peerTopics } from '../../src/bridge/frames.js';
import type { MqttTransport } from '../../src/ports/mqtt-transport.js';

/** The ApplicationDeployment `peer-filter`: sensor-filter.wasm (by `componentDigest`) samples peer-7/temperature every 200 ms, isolated, with `config`. */
export const peerFilterDeployment = (componentDigest: string, config: Record<string, string> = {}) => `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: peer-filter
metadata:
  name: peer-filter
  annotations:
    applicationId: peer-filter
    applicationVersion: 1.0.0
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: filter
        properties:
          packageLocation: sensor-filter.wasm
          digest: ${componentDigest}
          grants:
            sensors: [peer-7/temperature]
            actuators: [peer-7/relay]
${Object.keys(config).length ? `          config:\n${Object.entries(config).map(([k, v]) => `            ${k}: ${JSON.stringify(v)}\n`).join('')}` : ''}          triggers:
            - kind: interval
              everyMs: 200
              export: sample
              args: ['"peer-7/temperature"']
              output: greenhouse/peer-7/filtered
          limits:
            isolation: worker
            callTimeoutMs: 5000
`;

/** A peer in this process, on its own MQTT 5 connection: a retained birth, and `read temperature` answered with 21.5; keeps each request's traceparent. */
export async function startPeer(url: string): Promise<{ traceparents: (string | undefined)[]; close(): Promise<void> }> {
  const transport: MqttTransport = createMqttTransport({ url, protocolVersion: 5, clientId: 'peer-7' });
  await transport.connect();
  const topics = peerTopics('wasmhost/v1', 'peer-7');
  const traceparents: (string | undefined)[] = [];
  transport.onMessage((m) => {
    if (m.topic !== topics.rpc) return;
    traceparents.push(m.properties?.userProperties?.find(([k]) => k === 'traceparent')?.[1]);
    const decoded = decodeRpcRequest(m.payload);
    if (!decoded.ok) return;
    void transport.publish(decoded.frame.reply, encodeRpcReply({ id: decoded.frame.id, ok: true, value: 21.5, unit: 'Cel' }), { qos: 1 });
  });
  await transport.subscribe(topics.rpc, { qos: 1 });
  await transport.publish(topics.birth, encodeBirth({
    id: 'peer-7', class: 'test-peer', seq: 1, ifaces: [{ name: 'wasmhost:device/sensors', version: '0.1.0' }],
    sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }], actuators: [],
  }), { qos: 1, retain: true });
  return {
    traceparents,
    async close() {
      await transport.publish(topics.birth, new Uint8Array(0), { qos: 1, retain: true });
      await transport.close();
    },
  };
}
