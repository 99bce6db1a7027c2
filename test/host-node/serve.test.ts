// `wasmhost serve` as a real process (bin/wasmhost.js, built dist/), and its page server as a
// function for what needs counting: HTTP headers, types, caching, traversal and symlinks,
// /config.json without secrets, per-page credentials (POST /session) over WebSocket, a
// provisioned peer over TCP, pre-transpiled artifacts, SIGTERM.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startPageServer } from '../../host-node/page-server.js';
import { createPageSessions } from '../../host-node/page-sessions.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import { BROWSER_USERNAME } from '../../src/bridge/acl.js';
import { openCredentialStore } from '../../host-node/credentials.js';

const BIN = fileURLToPath(new URL('../../bin/wasmhost.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const ALARM = join(EXAMPLES, 'threshold-alarm-c/threshold-alarm.wasm');

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A fixture page, so the test does not depend on the browser bundle being built. */
async function fixturePage(dir: string): Promise<string> {
  const page = join(dir, 'page');
  await mkdir(join(page, 'chunks'), { recursive: true });
  await writeFile(join(page, 'index.html'), '<!doctype html><script type="module" src="main.js"></script>');
  await writeFile(join(page, 'main.js'), 'export {};\n');
  await writeFile(join(page, 'main.js.map'), '{}');
  await writeFile(join(page, 'chunks', 'transpiler.core.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  return page;
}

/** GET (or another method) with raw path bytes, as curl --path-as-is would send them. */
function raw(base: string, path: string, method = 'GET', headers: Record<string, string> = {}) {
  const url = new URL(base);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('wasmhost serve (the real bin)', () => {
  let dir: string;
  let child: ChildProcess;
  let out = '';
  let base: string;
  let mqttUrl: string;
  let state: string;
  const secrets: Record<string, string> = {};
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    state = join(dir, 'state');
    const page = await fixturePage(dir);
    for (const id of ['p1', 'p2', 'p3']) secrets[id] = execFileSync(process.execPath, [BIN, 'peer', 'add', id, '--state', state], { encoding: 'utf8' }).trim();
    child = spawn(process.execPath, [
      BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--broker-port', '0', '--page-dir', page, '--state', state, '--page-peers', 'p1', '--max-packet-bytes', '8192',
      '--cache-dir', join(dir, 'cache'), '--wfm', 'http://127.0.0.1:9/',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => /components under/.test(out) || child.exitCode !== null, 'serve to start', 20_000);
    base = /\[serve\] listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '';
    mqttUrl = /\[serve\] MQTT: (mqtt:\/\/\S+)/.exec(out)?.[1] ?? '';
    expect(base, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const connect = async (url: string, username: string, password?: string, clientId = username) => {
    const client = await connectAsync(url, { protocolVersion: 4, username, password, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
    clients.push(client);
    return client;
  };

  it('prints the URL to open', () => {
    expect(out).toContain(`[serve] open ${base}`);
  });

  it('serves the page cross-origin isolated, with content types, no-cache and ETag/304', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/main.js', 'text/javascript'], ['/main.js.map', 'application/json'], ['/chunks/transpiler.core.wasm', 'application/wasm'],
      ['/config.json', 'application/json'], ['/files/greenhouse.yaml', 'application/yaml'], ['/files/threshold-alarm-c/threshold-alarm.wasm', 'application/wasm'], ['/nope.js', 'application/json']] as const) {
      const res = await fetch(new URL(path, base));
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), path).toBe('require-corp');
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('same-origin');
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(res.status, path).toBe(path === '/nope.js' ? 404 : 200);
    }
    const yaml = await fetch(new URL('/files/greenhouse.yaml', base));
    expect(await yaml.text()).toBe(await readFile(join(EXAMPLES, 'greenhouse.yaml'), 'utf8'));
    expect(yaml.headers.get('cache-control')).toBe('no-cache');
    const etag = yaml.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await raw(base, '/files/greenhouse.yaml', 'GET', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await raw(base, '/files/greenhouse.yaml', 'GET', { 'if-none-match': `W/${etag}, "other"` })).status).toBe(304);
    expect((await raw(base, '/files/greenhouse.yaml', 'GET', { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('answers HEAD without a body, and 405 to other methods', async () => {
    const head = await raw(base, '/main.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('export {};\n'.length));
    expect(head.body.length).toBe(0);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await raw(base, '/', method);
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
    // POST /session wants JSON (a cross-site form post cannot make one without a preflight).
    expect((await raw(base, '/session', 'POST', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
  });

  it('refuses path traversal, plain or percent-encoded', async () => {
    for (const path of ['/../package.json', '/files/../package.json', '/files/%2e%2e/package.json', '/files/%2E%2E/%2e%2e/etc/passwd', '/%2e%2e%2fpackage.json',
      '/files/..%2f..%2fpackage.json', '/files/..%5c..%5cpackage.json', '/files/deployments/%2e%2e/%2e%2e/package.json', '/files/%00', '/files/%zz']) {
      const res = await raw(base, path);
      expect(res.status, path).toBe(400);
      expect(res.body.toString(), path).not.toContain('"name": "wasmhost"');
    }
    expect((await raw(base, '/files/.hidden')).status).toBe(404);
    expect((await raw(base, '/files/deployments/')).status).toBe(404);
  });

  /** A page's own credential, as the browser gets it. */
  const session = async () => {
    const res = await fetch(new URL('/session', base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    return (await res.json()) as { username: string; password: string; clientId: string; peers: string[] };
  };

  it('hands the page its configuration, with no secret in it', async () => {
    const res = await fetch(new URL('/config.json', base));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      deviceClass: 'browser',
      broker: { path: '/mqtt', session: '/session', protocolVersion: 4, root: 'wasmhost/v1' },
      artifacts: '/artifacts/', files: '/files/', wfm: 'http://127.0.0.1:9/',
    });
  });

  it('gives each page its own credential, kept hashed, for the peers --page-peers names', async () => {
    const a = await session();
    const b = await session();
    expect(a.username).toMatch(/^page-[0-9a-f]{16}$/);
    expect(b.username).not.toBe(a.username);
    expect(a.clientId).toBe(a.username);
    expect(a.peers).toEqual(['p1']);
    const stored = await readFile(join(state, 'credentials.json'), 'utf8');
    expect(stored).toContain(a.username);
    expect(stored).not.toContain(a.password);
    expect(stored).not.toContain(secrets.p1);
  });

  it('lets a page reach only its peers by rpc and hear only them; peers only with their credential; the old shared role is gone', async () => {
    const ws = `${base.replace('http:', 'ws:')}mqtt`;
    // Before: /config.json handed every page the browser role's password. That role no longer exists.
    await expect(connectAsync(ws, { protocolVersion: 4, username: BROWSER_USERNAME, password: 'anything', reconnectPeriod: 0 })).rejects.toThrow();
    // Before: anyone could connect as a peer id with no password.
    await expect(connectAsync(mqttUrl, { protocolVersion: 4, username: 'p1', clientId: 'p1', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
    await expect(connectAsync(mqttUrl, { protocolVersion: 4, username: 'p1', password: 'wrong', clientId: 'p1', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
    // Upgrades to any other path are refused.
    const elsewhere = new WebSocket(`${base.replace('http:', 'ws:')}other`, 'mqtt');
    expect(await new Promise((resolve) => {
      elsewhere.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      elsewhere.once('open', () => resolve('open'));
      elsewhere.once('error', () => undefined);
    })).toBe(404);
    elsewhere.terminate();

    const own = await session();
    // A page's credential works only as its own client id.
    await expect(connectAsync(ws, { protocolVersion: 4, username: own.username, password: own.password, clientId: 'other', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
    const page = await connect(ws, own.username, own.password);
    const seen: string[] = [];
    page.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await page.subscribeAsync('wasmhost/v1/#', { qos: 1 });
    const peers: Record<string, string[]> = { p1: [], p2: [] };
    for (const id of ['p1', 'p2'] as const) {
      const peer = await connect(mqttUrl, id, secrets[id]);
      peer.on('message', (topic, payload) => peers[id].push(`${topic} ${payload.toString()}`));
      await peer.subscribeAsync(`wasmhost/v1/peers/${id}/rpc`, { qos: 1 });
      await peer.publishAsync(`wasmhost/v1/peers/${id}/data`, `reading ${id}`, { qos: 1 });
    }
    // The page hears its peer, and may call it.
    await eventually(() => seen.includes('wasmhost/v1/peers/p1/data reading p1'), 'the page to see p1 data');
    await page.publishAsync('wasmhost/v1/peers/p1/rpc', 'call', { qos: 1 });
    await eventually(() => peers.p1.includes('wasmhost/v1/peers/p1/rpc call'), 'p1 to get the rpc');
    // Before: any page could set any peer's actuators. Now p2 is not its peer: refused, and unheard.
    // One connection per page id: a second one with the same credential is refused, the first stays.
    expect(await connect(ws, own.username, own.password).catch(() => undefined)).toBeUndefined();
    expect(page.connected).toBe(true);
    const other = await session();
    const rogue = await connect(ws, other.username, other.password);
    rogue.publish('wasmhost/v1/peers/p2/rpc', 'set relay 1', { qos: 1 }, () => undefined);
    await eventually(() => new RegExp(`refused a publish of ${other.username} \\(username ${other.username}\\) to wasmhost/v1/peers/p2/rpc`).test(out), 'the broker to refuse the rpc to p2');
    // A page id without its password gets nowhere.
    expect(await connect(ws, (await session()).username).catch(() => undefined)).toBeUndefined();
    const third = await session();
    const impostor = await connect(ws, third.username, third.password);
    impostor.publish('wasmhost/v1/peers/p1/birth', 'forged', { qos: 1 }, () => undefined);
    await eventually(() => new RegExp(`refused a publish of ${third.username} .* to wasmhost/v1/peers/p1/birth`).test(out), 'the broker to refuse the forged birth');
    await page.publishAsync('wasmhost/v1/workloads/w/out', 'done', { qos: 1 });
    await eventually(() => seen.includes('wasmhost/v1/workloads/w/out done'), 'the page to see the workload output');
    expect(peers.p2).toEqual([]);
    expect(seen.filter((l) => l.includes('p2') || l.includes('forged') || l.includes('/rpc '))).toEqual([]);
  });

  it('closes a connection whose packet exceeds --max-packet-bytes', async () => {
    const peer = await connect(mqttUrl, 'p3', secrets.p3);
    const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
    peer.publish('wasmhost/v1/peers/p3/data', Buffer.alloc(16 * 1024), { qos: 0 });
    await closed;
    await eventually(() => /closed a connection that sent a \d+-byte packet \(limit 8192\)/.test(out), 'the broker to log it');
  });

  it('revokes a page: its connection is closed and it cannot come back', async () => {
    const own = await session();
    const page = await connect(`${base.replace('http:', 'ws:')}mqtt`, own.username, own.password);
    const closed = new Promise<void>((resolve) => page.once('close', () => resolve()));
    execFileSync(process.execPath, [BIN, 'peer', 'remove', own.username, '--state', state]);
    await closed;
    await expect(connectAsync(`${base.replace('http:', 'ws:')}mqtt`, { protocolVersion: 4, username: own.username, password: own.password, clientId: own.clientId, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
  });

  it('serves components pre-transpiled: the same files jco produces, digests that verify', async () => {
    const bytes = await readFile(ALARM);
    const digest = sha256(bytes);
    expect(out).toContain(`/artifacts/${digest}/index.json  threshold-alarm-c/threshold-alarm.wasm`);
    expect(out).not.toContain('hello-command-c/hello.core'); // core modules are not components
    const index = (await (await fetch(new URL(`/artifacts/${digest}/index.json`, base))).json()) as { digest: string; glue: string; coreModules: Record<string, string> };
    const expected = await transpileWithJco(bytes, digest);
    expect(index.digest).toBe(digest);
    expect(index.glue).toBe('component.js');
    expect(Object.keys(index.coreModules).sort()).toEqual(Object.keys(expected.coreModules).sort());
    const glue = await fetch(new URL(`/artifacts/${digest}/component.js`, base));
    expect(glue.headers.get('content-type')).toContain('text/javascript');
    expect(await glue.text()).toBe(expected.glue);
    for (const [name, moduleDigest] of Object.entries(index.coreModules)) {
      const res = await fetch(new URL(`/artifacts/${digest}/${name}`, base));
      expect(res.headers.get('content-type')).toBe('application/wasm');
      const got = new Uint8Array(await res.arrayBuffer());
      expect(sha256(got), name).toBe(moduleDigest);
      expect(Buffer.from(got).equals(Buffer.from(expected.coreModules[name])), name).toBe(true);
      expect((await raw(base, `/artifacts/${digest}/${name}`, 'GET', { 'if-none-match': res.headers.get('etag')! })).status).toBe(304);
    }
    for (const path of [`/artifacts/sha256:${'0'.repeat(64)}/index.json`, `/artifacts/${digest}/nope.wasm`, '/artifacts/whatever']) {
      const res = await fetch(new URL(path, base));
      expect(res.status, path).toBe(404);
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string');
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('[serve] stopped');
    await expect(fetch(base)).rejects.toThrow();
  });
});

describe('the reference fleet manager, for page devices', () => {
  it('answers CORS preflights and lets any origin read its answers and ETag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-wfm-'));
    const server = spawn(process.execPath, [fileURLToPath(new URL('../../examples/fleet-manager/server.mjs', import.meta.url)), '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await new Promise<string>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
      const preflight = await raw(url, '/api/v1/capabilities/dev-1', 'OPTIONS', { origin: 'http://page:8080', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      expect(String(preflight.headers['access-control-allow-methods']).split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT']));
      expect(String(preflight.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'if-none-match']));
      const manifest = await raw(url, '/api/v1/deployments', 'GET', { origin: 'http://page:8080' });
      expect(manifest.status).toBe(200);
      expect(manifest.headers['access-control-allow-origin']).toBe('*');
      expect(manifest.headers['access-control-expose-headers']).toMatch(/etag/i);
      expect(manifest.headers['cross-origin-resource-policy']).toBe('cross-origin');
    } finally {
      server.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the page server', () => {
  it('names npm run build when the page is missing', async () => {
    await expect(startPageServer({ pageDir: join(tmpdir(), 'no-such-page'), cacheDir: tmpdir(), credentials: openCredentialStore(join(tmpdir(), 'no-such-state')), accessToken: 't', hostPassword: 'h' })).rejects.toThrow(/npm run build/);
  });

  it('transpiles a component once for concurrent first requests, and not again on the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    try {
      const files = join(dir, 'files');
      await mkdir(join(files, 'a'), { recursive: true });
      await copyFile(ALARM, join(files, 'a', 'alarm.wasm'));
      await writeFile(join(files, 'core.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      const digest = sha256(await readFile(ALARM));
      let transpiles = 0;
      const start = () => startPageServer({
        port: 0, host: '127.0.0.1', brokerPort: 0, pageDir: join(dir, 'page'), filesDir: files, cacheDir: join(dir, 'cache'),
        credentials: openCredentialStore(join(dir, 'state')), accessToken: 't', hostPassword: 'h', log: () => {},
        transpile: (bytes, d) => {
          transpiles += 1;
          return transpileWithJco(bytes, d);
        },
      });
      await fixturePage(dir);
      const first = await start();
      expect([...first.components]).toEqual([[digest, 'a/alarm.wasm']]);
      const url = `http://127.0.0.1:${first.port}/artifacts/${digest}/`;
      const answers = await Promise.all(['index.json', 'index.json', 'component.js', 'component.core.wasm'].map((f) => fetch(url + f).then((r) => r.status)));
      expect(answers).toEqual([200, 200, 200, 200]);
      expect(transpiles).toBe(1);
      const index = await (await fetch(`${url}index.json`)).text();
      await first.close();

      const second = await start();
      expect(await (await fetch(`http://127.0.0.1:${second.port}/artifacts/${digest}/index.json`)).text()).toBe(index);
      expect(transpiles).toBe(1);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** A page server on free ports over `files`, with its own state. */
  const serveFiles = async (dir: string, files: string, extra: Partial<Parameters<typeof startPageServer>[0]> = {}) => {
    await fixturePage(dir);
    return startPageServer({
      port: 0, host: '127.0.0.1', brokerPort: 0, pageDir: join(dir, 'page'), filesDir: files, cacheDir: join(dir, 'cache'),
      credentials: openCredentialStore(join(dir, 'state')), accessToken: 'the-token', hostPassword: 'h', log: () => {}, ...extra,
    });
  };

  it('never serves outside --files: a symlink to a folder or file elsewhere is refused, one inside works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    const outside = await mkdtemp(join(tmpdir(), 'wasmhost-outside-'));
    try {
      await writeFile(join(outside, 'shadow'), 'root:secret');
      const files = join(dir, 'files');
      await mkdir(join(files, 'sub'), { recursive: true });
      await writeFile(join(files, 'sub', 'ok.txt'), 'inside');
      await symlink(outside, join(files, 'etc'));
      await symlink(join(outside, 'shadow'), join(files, 'shadow.txt'));
      await symlink(join(files, 'sub', 'ok.txt'), join(files, 'alias.txt'));
      const server = await serveFiles(dir, files);
      try {
        const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`).then(async (r) => ({ status: r.status, body: await r.text() }));
        // Before: /files/etc/shadow followed the link and answered 200 with the file.
        for (const path of ['/files/etc/shadow', '/files/shadow.txt']) {
          const res = await get(path);
          expect(res.status, path).toBe(404);
          expect(res.body, path).not.toContain('root:secret');
        }
        expect(await get('/files/alias.txt')).toEqual({ status: 200, body: 'inside' });
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('takes a free port when the broker port is taken, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    const holder = createNetServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    const lines: string[] = [];
    try {
      await expect(serveFiles(dir, EXAMPLES, { brokerPort: taken })).rejects.toMatchObject({ code: 'io', message: expect.stringMatching(/EADDRINUSE/) });
      const server = await serveFiles(dir, EXAMPLES, { brokerPort: taken, brokerPortFallback: true, log: (l) => lines.push(l) });
      try {
        expect(server.broker.port).not.toBe(taken);
        expect(lines.join('\n')).toContain(`port ${taken} is taken (another MQTT broker?): the embedded broker listens on ${server.broker.url} instead`);
      } finally {
        await server.close();
      }
    } finally {
      holder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells the pages they may run in-process workloads only when the operator says so (--allow-in-process)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    try {
      const allowed = async (extra: Partial<Parameters<typeof startPageServer>[0]>) => {
        const server = await serveFiles(dir, EXAMPLES, extra);
        try {
          return ((await (await fetch(`http://127.0.0.1:${server.port}/config.json`)).json()) as { allowInProcess?: boolean }).allowInProcess;
        } finally {
          await server.close();
        }
      };
      expect(await allowed({})).toBeUndefined();
      expect(await allowed({ allowInProcess: true })).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps pages\' credentials across a restart with the same state, so an open page reconnects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    try {
      const first = await serveFiles(dir, EXAMPLES);
      const res = await fetch(`http://127.0.0.1:${first.port}/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const own = (await res.json()) as { username: string; password: string };
      await first.close();
      const second = await serveFiles(dir, EXAMPLES);
      try {
        const client = await connectAsync(`ws://127.0.0.1:${second.port}/mqtt`, { protocolVersion: 4, username: own.username, password: own.password, clientId: own.username, reconnectPeriod: 0 });
        expect(client.connected).toBe(true);
        await client.endAsync();
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('issues a session off loopback only with the access token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-sessions-'));
    const store = openCredentialStore(dir);
    const sessions = createPageSessions({ credentials: store, peers: ['p1'], accessToken: 'the-token', maxPages: 2 });
    const req = (remoteAddress: string, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers: { 'content-type': 'application/json', ...headers } }) as never;
    expect(sessions(req('192.168.1.20', {}))).toMatchObject({ ok: false, status: 401 });
    expect(sessions(req('192.168.1.20', { authorization: 'Bearer wrong' }))).toMatchObject({ ok: false, status: 401 });
    expect(sessions(req('192.168.1.20', { authorization: 'Bearer the-token' }))).toMatchObject({ ok: true, session: { peers: ['p1'] } });
    expect(sessions(req('::ffff:127.0.0.1', {}))).toMatchObject({ ok: true });
    // Bounded: past maxPages, no more credentials until some are revoked.
    expect(sessions(req('127.0.0.1', {}))).toMatchObject({ ok: false, status: 503 });
    expect(store.list()).toHaveLength(2);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('wasmhost serve exposure', () => {
  it('refuses a non-loopback --host without TLS unless --insecure', () => {
    let result: { status: number | null; stderr: string } = { status: 0, stderr: '' };
    try {
      execFileSync(process.execPath, [BIN, 'serve', '--host', '0.0.0.0', '--port', '0', '--broker-port', '0'], { encoding: 'utf8', stdio: 'pipe', timeout: 20_000 });
    } catch (error) {
      result = error as { status: number | null; stderr: string };
    }
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--host 0\.0\.0\.0 exposes serve beyond this machine: give --tls-cert and --tls-key .* or --insecure/);
  });
});
