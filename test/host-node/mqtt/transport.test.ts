import { describe, expect, it } from 'vitest';
import { createMqttTransport } from '../../../host-node/mqtt-transport.js';
import { startBroker } from '../../../host-node/broker.js';
import type { WasmhostError } from '../../../src/errors.js';
import { freePort } from '../../support/mosquitto.js';

describe('MQTT transport', () => {
  it('gives up on an unreachable broker after the connect timeout, with the last network error', async () => {
    const port = await freePort();
    const t = createMqttTransport({ url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 300, reconnectMinMs: 20 });
    const started = Date.now();
    const error = (await t.connect().catch((e: unknown) => e)) as WasmhostError;
    expect(error.code).toBe('io');
    expect(error.message).toMatch(/not reachable within 300 ms: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(t.connected).toBe(false);
  });

  it('refuses a URL it cannot use, use before connect() and use after close()', async () => {
    const bad = (await createMqttTransport({ url: 'gopher://127.0.0.1:1' }).connect().catch((e: unknown) => e)) as WasmhostError;
    expect(bad.code).toBe('bad-input');
    const broker = await startBroker({ port: 0, hostPassword: 'h', log: () => {} });
    try {
      const t = createMqttTransport({ url: broker.url, protocolVersion: 4, username: 'wasmhost-host', password: 'h' });
      await expect(t.publish('a', new Uint8Array())).rejects.toMatchObject({ code: 'bad-input', message: expect.stringMatching(/before connect/) });
      await t.connect();
      await expect(t.connect()).rejects.toMatchObject({ code: 'bad-input' });
      await expect(t.publish('a', new Uint8Array(), { properties: { contentType: 'text/plain' } })).rejects.toMatchObject({ code: 'unsupported' });
      await expect(t.subscribe('a', { subscriptionIdentifier: 1 })).rejects.toMatchObject({ code: 'unsupported' });
      const events: string[] = [];
      t.onConnectionChange((e) => events.push(e.state));
      await t.close();
      await t.close();
      expect(events).toEqual(['closed']);
      await expect(t.publish('a', new Uint8Array())).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/after close/) });
    } finally {
      await broker.close();
    }
  });
});
