import { describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../../host-node/broker.js';
import { createMqttTransport } from '../../../host-node/mqtt-transport.js';
import { WasmhostError } from '../../../src/errors.js';
import { HOST_PASSWORD, PEERS, eventually, mqttContract } from './contract.js';
import { knownCredentials } from '../../support/credentials.js';

async function embedded(lines: string[], port = 0): Promise<RunningBroker> {
  return startBroker({ port, hostPassword: HOST_PASSWORD, credentials: knownCredentials(PEERS), log: (line) => lines.push(line) });
}

mqttContract('aedes', { protocolVersion: 4, persistsAcrossRestart: false, refusesForeignSubscriptions: true }, async () => {
  const lines: string[] = [];
  let broker = await embedded(lines);
  return {
    url: broker.url,
    async restart(downMs = 0) {
      await broker.close();
      await new Promise((r) => setTimeout(r, downMs));
      broker = await embedded(lines, broker.port);
    },
    log: () => lines.join('\n'),
    close: () => broker.close(),
  };
});

describe('embedded aedes broker', () => {
  it('listens on loopback by default and speaks MQTT 3.1.1 only: an MQTT 5 client is refused as unsupported', async () => {
    const broker = await embedded([]);
    try {
      expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      expect(broker.protocolVersion).toBe(4);
      const t = createMqttTransport({ url: broker.url, protocolVersion: 5, username: 'wasmhost-host', password: HOST_PASSWORD, connectTimeoutMs: 3000 });
      const error = await t.connect().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WasmhostError);
      expect((error as WasmhostError).code).toBe('unsupported');
      expect((error as WasmhostError).message).toMatch(/aedes 1\.2 speaks only 4/);
    } finally {
      await broker.close();
    }
  });

  it('refuses anonymous clients and usernames that are not peer ids', async () => {
    const lines: string[] = [];
    const broker = await embedded(lines);
    try {
      for (const username of [undefined, 'no/slashes', 'x'.repeat(65)]) {
        const t = createMqttTransport({ url: broker.url, protocolVersion: 4, username, connectTimeoutMs: 3000 });
        const error = (await t.connect().catch((e: unknown) => e)) as WasmhostError;
        expect(error.code, String(username)).toBe('denied');
      }
      expect(lines.filter((l) => l.startsWith('refused the connection'))).toHaveLength(3);
    } finally {
      await broker.close();
    }
  });

  it("publishes a peer's will (its death) when the broker drops it, and not after a clean close", async () => {
    const lines: string[] = [];
    const broker = await embedded(lines);
    const host = createMqttTransport({ url: broker.url, protocolVersion: 4, username: 'wasmhost-host', password: HOST_PASSWORD });
    const deaths: string[] = [];
    host.onMessage((m) => deaths.push(new TextDecoder().decode(m.payload)));
    const will = (seq: number) => ({ topic: 'wasmhost/v1/peers/p1/death', payload: new TextEncoder().encode(`death ${seq}`) });
    const clean = createMqttTransport({ url: broker.url, protocolVersion: 4, username: 'p1', password: PEERS.p1, clientId: 'p1', will: will(1) });
    const dropped = createMqttTransport({ url: broker.url, protocolVersion: 4, username: 'p1', password: PEERS.p1, clientId: 'p1', will: will(2), reconnectMinMs: 5000 });
    try {
      await host.connect();
      await host.subscribe('wasmhost/v1/peers/+/death');
      await clean.connect();
      await clean.close();
      await dropped.connect();
      // A packet over the broker's limit makes it drop the connection, as if the peer had vanished.
      dropped.publish('wasmhost/v1/peers/p1/data', new Uint8Array(70 * 1024), { qos: 0 }).catch(() => {});
      await eventually(() => deaths.length > 0, 'the will');
      await new Promise((r) => setTimeout(r, 50));
      expect(deaths).toEqual(['death 2']);
    } finally {
      await Promise.all([host.close(), dropped.close()]);
      await broker.close();
    }
  });

  it('reports a port already in use as an io error', async () => {
    const first = await embedded([]);
    try {
      await expect(embedded([], first.port)).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/could not listen/) });
    } finally {
      await first.close();
    }
  });
});
