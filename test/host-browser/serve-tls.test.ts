// `wasmhost serve --tls-cert --tls-key`: https and wss, so browsers on other machines get the
// secure context cross-origin isolation needs. A self-signed certificate made by openssl; the
// Node clients trust it as their CA, Chromium is told to accept it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { haveChromium, launchChromium } from '../support/chromium.js';
import type {} from '../../host-browser/main.js'; // window.wasmhost's type

const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));

describe.skipIf(!OPENSSL || !haveChromium)('wasmhost serve over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-serve-tls-'));
  let serve: ChildProcess;
  let out = '';
  let url = '';
  let ca: Buffer;

  beforeAll(async () => {
    execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'pipe' });
    ca = readFileSync(join(dir, 'cert.pem'));
    serve = spawn(process.execPath, ['bin/wasmhost.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--broker-port', '0', '--cache-dir', join(dir, 'cache'), '--state', join(dir, 'state'),
      '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], { stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    serve.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const end = Date.now() + 20_000;
    while (!/listening on (https:\S+)/.test(out)) {
      if (Date.now() > end || serve.exitCode !== null) throw new Error(`serve did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    url = /listening on (https:\S+)/.exec(out)![1];
  }, 60_000);

  afterAll(() => {
    serve?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and /config.json over https with the isolation headers', async () => {
    const response = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      get(`${url}config.json`, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      }).on('error', reject);
    });
    expect(response.status).toBe(200);
    expect(response.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(JSON.parse(response.body).broker.path).toBe('/mqtt');
    expect(out).toContain('wss path /mqtt');
  });

  it('takes MQTT over wss at /mqtt, and refuses a client that does not trust the certificate', async () => {
    const config = await (await fetch(`${url}config.json`).catch(() => undefined))?.json().catch(() => undefined);
    expect(config).toBeUndefined(); // Node's fetch does not trust the self-signed certificate
    // The page's own credential, over https (POST /session).
    const own = JSON.parse(await new Promise<string>((resolve, reject) => {
      const req = request(`${url}session`, { ca, method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end('{}');
    })) as { username: string; password: string };
    const wss = url.replace(/^https/, 'wss') + 'mqtt';
    const client = connect(wss, { ca, username: own.username, password: own.password, clientId: own.username, protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
    await client.endAsync();
    const untrusting = connect(wss, { username: own.username, password: own.password, clientId: own.username, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 });
    const error = await new Promise<Error>((resolve) => untrusting.once('error', resolve));
    expect(error.message).toMatch(/self.signed|certificate/i);
    await untrusting.endAsync(true);
  });

  it('a page loaded over https is cross-origin isolated and reaches the broker over wss', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(`${url}?device=tls-1`);
      const profile = await page.evaluate(() => window.wasmhostReady.then((d) => d.profile()));
      expect(profile.class).toBe('browser');
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      await expect.poll(() => page.textContent('#broker-state'), { timeout: 10_000 }).toBe('broker connected');
    } finally {
      await browser.close();
    }
  });
});
