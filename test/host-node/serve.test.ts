// `wasmhost serve` as a real process (bin/wasmhost.js, built dist/), and its page server as a
// function for what needs counting: HTTP headers, types, caching, traversal, /config.json, MQTT
// over WebSocket as the browser role, a peer over TCP, pre-transpiled artifacts, SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startPageServer } from '../../host-node/page-server.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import { BROWSER_USERNAME } from '../../src/bridge/acl.js';

const BIN = fileURLToPath(new URL('../../bin/wasmhost.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const ALARM = join(EXAMPLES, 'threshold-alarm-c/threshold-alarm.wasm');
const TOKEN = 'test-browser-token';

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
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasmhost-serve-'));
    const page = await fixturePage(dir);
    child = spawn(process.execPath, [
      BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--broker-port', '0', '--page-dir', page,
      '--cache-dir', join(dir, 'cache'), '--browser-token', TOKEN, '--wfm', 'http://127.0.0.1:9/',
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

  const connect = async (url: string, username: string, password?: string) => {
    const client = await connectAsync(url, { protocolVersion: 4, username, password, reconnectPeriod: 0, connectTimeout: 5000 });
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

  it('hands the page its configuration', async () => {
    const res = await fetch(new URL('/config.json', base));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      deviceClass: 'browser',
      broker: { path: '/mqtt', username: BROWSER_USERNAME, password: TOKEN, protocolVersion: 4, root: 'wasmhost/v1' },
      artifacts: '/artifacts/', files: '/files/', wfm: 'http://127.0.0.1:9/',
    });
  });

  it('carries MQTT over WebSocket at /mqtt for the browser role, and TCP for peers, with their rules', async () => {
    const ws = `${base.replace('http:', 'ws:')}mqtt`;
    await expect(connectAsync(ws, { protocolVersion: 4, username: BROWSER_USERNAME, password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow();
    await expect(connectAsync(ws, { protocolVersion: 4, username: BROWSER_USERNAME, reconnectPeriod: 0 })).rejects.toThrow();
    // Upgrades to any other path are refused.
    const elsewhere = new WebSocket(`${base.replace('http:', 'ws:')}other`, 'mqtt');
    expect(await new Promise((resolve) => {
      elsewhere.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      elsewhere.once('open', () => resolve('open'));
      elsewhere.once('error', () => undefined);
    })).toBe(404);
    elsewhere.terminate();

    const watcher = await connect(ws, BROWSER_USERNAME, TOKEN);
    const seen: string[] = [];
    watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await watcher.subscribeAsync('wasmhost/v1/#', { qos: 1 });
    const peer = await connect(mqttUrl, 'p1');
    const peerGot: string[] = [];
    peer.on('message', (topic, payload) => peerGot.push(`${topic} ${payload.toString()}`));
    await peer.subscribeAsync('wasmhost/v1/peers/p1/rpc', { qos: 1 });

    // A peer over TCP still publishes its own leaves; the page sees them.
    await peer.publishAsync('wasmhost/v1/peers/p1/data', 'reading', { qos: 1 });
    await eventually(() => seen.includes('wasmhost/v1/peers/p1/data reading'), 'the page to see the peer data');

    // The page may ask a peer (rpc), and may not speak for it (birth).
    const page = await connect(ws, BROWSER_USERNAME, TOKEN);
    await page.publishAsync('wasmhost/v1/peers/p1/rpc', 'call', { qos: 1 });
    await eventually(() => peerGot.includes('wasmhost/v1/peers/p1/rpc call'), 'the peer to get the rpc');
    const forger = await connect(ws, BROWSER_USERNAME, TOKEN);
    // aedes neither acknowledges nor disconnects a refused MQTT 3.1.1 publish: don't wait for it.
    forger.publish('wasmhost/v1/peers/p1/birth', 'forged', { qos: 1 }, () => undefined);
    await eventually(() => /refused a publish of \S+ \(username wasmhost-browser\) to wasmhost\/v1\/peers\/p1\/birth/.test(out), 'the broker to log the refusal');
    await page.publishAsync('wasmhost/v1/workloads/w/out', 'done', { qos: 1 });
    await eventually(() => seen.includes('wasmhost/v1/workloads/w/out done'), 'the page to see the workload output');
    expect(seen.some((l) => l.includes('forged'))).toBe(false);
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
    await expect(startPageServer({ pageDir: join(tmpdir(), 'no-such-page'), cacheDir: tmpdir(), browserToken: 't', hostPassword: 'h' })).rejects.toThrow(/npm run build/);
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
        browserToken: 't', hostPassword: 'h', log: () => {},
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
});
