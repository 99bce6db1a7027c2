import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../host-node/broker.js';
import { HOST_USERNAME } from '../../../src/bridge/acl.js';

let broker: RunningBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

describe('the embedded broker over WebSocket (for browser devices)', () => {
  it('carries MQTT between a WebSocket client and a TCP client, with the same access rules', async () => {
    broker = await startBroker({ port: 0, wsPort: 0, hostPassword: 'pw', log: () => {} });
    expect(broker.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const host = await connectAsync(broker.url, { protocolVersion: 4, username: HOST_USERNAME, password: 'pw', reconnectPeriod: 0 });
    const kiosk = await connectAsync(broker.wsUrl!, { protocolVersion: 4, username: HOST_USERNAME, password: 'pw', reconnectPeriod: 0 });
    const got: string[] = [];
    kiosk.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await kiosk.subscribeAsync('wasmhost/v1/workloads/+/out', { qos: 1 });
    await host.publishAsync('wasmhost/v1/workloads/alarm/out', 'hot', { qos: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['wasmhost/v1/workloads/alarm/out hot']);

    const wrongPassword = connectAsync(broker.wsUrl!, { protocolVersion: 4, username: HOST_USERNAME, password: 'nope', reconnectPeriod: 0 });
    await expect(wrongPassword).rejects.toThrow();
    await Promise.all([host.endAsync(), kiosk.endAsync()]);
  });
});
