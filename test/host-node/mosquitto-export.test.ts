// `wasmhost peer export-mosquitto`: the password file ($7$ hashes as stored), the ACL file and
// the config lines, loaded by Debian's mosquitto 2.0 as written, against the same attacks as the
// embedded broker: no secret, another peer's secret, another peer's topics, a taken client id,
// a page's rpc to a peer it was not issued for, an oversized packet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCredentialStore } from '../../host-node/credentials.js';
import { haveMosquitto, noMosquitto, startMosquitto, type Mosquitto } from '../support/mosquitto.js';

const BIN = fileURLToPath(new URL('../../bin/wasmhost.js', import.meta.url));
const T = 'wasmhost/v1/peers';
if (!haveMosquitto) console.warn(noMosquitto);

async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!haveMosquitto)('peer credentials exported to mosquitto 2.0', () => {
  let dir: string;
  let broker: Mosquitto;
  const secrets: Record<string, string> = {};
  let hostSecret: string;
  let page: { id: string; secret: string };
  const clients: MqttClient[] = [];

  const attempt = async (options: IClientOptions): Promise<MqttClient | Error> => {
    try {
      const client = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 4000, ...options });
      clients.push(client);
      return client;
    } catch (error) {
      return error as Error;
    }
  };
  const as = async (username: string, password: string, clientId = username) => {
    const client = await attempt({ username, password, clientId });
    if (client instanceof Error) throw client;
    const seen: string[] = [];
    client.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    return { client, seen };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmhost-mosquitto-export-'));
    const state = join(dir, 'state');
    for (const id of ['sim-1', 'p2']) secrets[id] = execFileSync(process.execPath, [BIN, 'peer', 'add', id, '--state', state], { encoding: 'utf8' }).trim();
    page = { id: 'page-0123456789abcdef', secret: openCredentialStore(state).add('page-0123456789abcdef', 'page', ['sim-1']) };
    execFileSync(process.execPath, [BIN, 'peer', 'export-mosquitto', '--state', state, '--out', join(dir, 'mosquitto')]);
    hostSecret = readFileSync(join(dir, 'mosquitto', 'host.secret'), 'utf8').trim();
    const conf = readFileSync(join(dir, 'mosquitto', 'mosquitto.conf'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    broker = await startMosquitto(undefined, { access: conf });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the stored hashes in mosquitto_passwd format, and no secret', () => {
    const passwd = readFileSync(join(dir, 'mosquitto', 'passwd'), 'utf8');
    expect(passwd.split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['wasmhost-host', 'sim-1', 'p2', page.id]);
    for (const line of passwd.split('\n').filter(Boolean)) expect(line).toMatch(/^[\w-]+:\$7\$\d+\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    for (const secret of [...Object.values(secrets), hostSecret, page.secret]) expect(passwd).not.toContain(secret);
  });

  it('lets the provisioned peer, the host and the page in, and nobody without the right secret', async () => {
    for (const [id, secret] of [['sim-1', secrets['sim-1']], ['wasmhost-host', hostSecret], [page.id, page.secret]]) {
      const ok = await attempt({ username: id, password: secret, clientId: `${id}-check` });
      expect(ok, id).not.toBeInstanceOf(Error);
      await (ok as MqttClient).endAsync();
    }
    for (const options of [{ username: 'sim-1' }, { username: 'sim-1', password: 'guess' }, { username: 'sim-1', password: secrets.p2 }, {}]) {
      const refused = await attempt({ ...options, clientId: 'sim-1' });
      expect(refused, JSON.stringify(options)).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(/not authorized|bad user name or password/i);
    }
  });

  it("confines each peer and page to its own topics; a taken client id kicks nobody", async () => {
    const host = await as('wasmhost-host', hostSecret);
    await host.client.subscribeAsync('wasmhost/v1/#', { qos: 1 });
    const sim = await as('sim-1', secrets['sim-1']);
    await sim.client.subscribeAsync(`${T}/sim-1/rpc`, { qos: 1 });
    const p2 = await as('p2', secrets.p2);
    await p2.client.subscribeAsync(`${T}/p2/rpc`, { qos: 1 });
    // p2 connecting with client id sim-1: mosquitto uses its username as client id, so sim-1 stays.
    const takeover = await as('p2', secrets.p2, 'sim-1');
    await eventually(() => !p2.client.connected || takeover.client.connected, 'the second p2 connection');
    expect(sim.client.connected).toBe(true);
    const forger = takeover.client;
    // MQTT 5: mosquitto answers a refused publish with "Not authorized" in its PUBACK.
    const refused = (client: MqttClient, topic: string, text: string) => client.publishAsync(topic, text, { qos: 1 }).then(() => 'delivered', (e: Error) => e.message);
    expect(await refused(forger, `${T}/sim-1/death`, 'forged death')).toMatch(/Not authorized/);
    expect(await refused(forger, `${T}/sim-1/data`, 'forged data')).toMatch(/Not authorized/);
    expect(await refused(forger, `${T}/sim-1/rpc`, 'forged rpc')).toMatch(/Not authorized/);
    const pg = await as(page.id, page.secret);
    await pg.client.subscribeAsync('wasmhost/v1/#', { qos: 1 });
    expect(await refused(pg.client, `${T}/p2/rpc`, 'page set p2')).toMatch(/Not authorized/);
    expect(await refused(pg.client, `${T}/sim-1/birth`, 'page forged birth')).toMatch(/Not authorized/);
    await pg.client.publishAsync(`${T}/sim-1/rpc`, 'page read sim-1', { qos: 1 });
    await sim.client.publishAsync(`${T}/sim-1/data`, 'real data', { qos: 1 });
    await eventually(() => sim.seen.length > 0 && host.seen.includes(`${T}/sim-1/data real data`) && pg.seen.length > 0, 'the allowed messages');
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.seen).toEqual([`${T}/sim-1/rpc page read sim-1`]);
    expect(host.seen.filter((l) => l.includes('forged') || l.includes('page set p2'))).toEqual([]);
    expect(host.seen).toEqual(expect.arrayContaining([`${T}/sim-1/rpc page read sim-1`, `${T}/sim-1/data real data`]));
    expect(pg.seen).toEqual([`${T}/sim-1/data real data`]);
  });

  it('disconnects a client whose packet exceeds max_packet_size', async () => {
    const big = await as('p2', secrets.p2);
    const closed = new Promise<void>((resolve) => big.client.once('close', () => resolve()));
    big.client.publish(`${T}/p2/data`, Buffer.alloc(1024 * 1024), { qos: 0 });
    await closed;
  });
});
