// HTTPS both ways for `wasmhost serve-http`: the listener serves HTTPS with --tls-cert/--tls-key
// to a client that trusts the test's CA, and a workload granted https://127.0.0.1:<port> reaches
// a real HTTPS server whose CA the operator gave with --http-ca; a server whose certificate that
// bundle does not vouch for gives the guest TLS-certificate-error (an error-code, no trap).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { httpEchoPath } from '../../support/http-fixture.js';
import { createPki, type PemFiles } from '../../support/spiffe-pki.js';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasmhost-serve-https-'));
const pki = createPki(dir);
const ca = pki.ca('ca');
const other = pki.ca('other-ca');
const SAN = 'IP:127.0.0.1,DNS:localhost';
const listenerCert = pki.leaf('listener', ca, SAN, '01');
const upstreamCert = pki.leaf('upstream', ca, SAN, '02');
const strangerCert = pki.leaf('stranger', other, SAN, '03');
const children: ChildProcess[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serveHttp(args: string[]): Promise<string> {
  const env = { ...process.env, WASMHOST_CACHE_DIR: join(dir, 'cache') };
  const child = spawn(process.execPath, [BIN, 'serve-http', await httpEchoPath(), '--listen', '127.0.0.1:0', ...args], { env });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /serving \S+ on (https?:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.on('exit', (code) => reject(new Error(`serve-http exited (${code}): ${stderr}`)));
  });
}

/** A GET with node:https trusting `trust` only; status, headers and body, or the TLS error. */
function get(url: string, trust: PemFiles, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca: readFileSync(trust.cert), headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject).end();
  });
}

/** An HTTPS upstream on loopback presenting `cert`; its authority. */
async function upstream(cert: PemFiles, text: string): Promise<string> {
  const server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_req, res) => { res.statusCode = 201; res.end(text); });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('serve-http over HTTPS', () => {
  it('serves HTTPS with the given certificate to a client trusting its CA, and reaches HTTPS origins the operator trusts', async () => {
    const trusted = await upstream(upstreamCert, 'secure upstream says hi');
    const stranger = await upstream(strangerCert, 'never read');
    const url = await serveHttp([
      '--tls-cert', listenerCert.cert, '--tls-key', listenerCert.key, '--http-ca', ca.cert,
      '--grant', `http=https://${trusted},https://${stranger}`,
    ]);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const hello = await get(`${url}/`, ca);
    expect(hello).toMatchObject({ status: 200, body: 'hello' });
    // The listener really is TLS with that certificate: a client trusting another CA refuses it.
    await expect(get(`${url}/`, other)).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/) });

    const reached = await get(`${url}/secure`, ca, { 'x-authority': trusted, 'x-target': '/a' });
    expect(reached).toMatchObject({ status: 201, body: 'secure upstream says hi' });

    const refused = await get(`${url}/secure`, ca, { 'x-authority': stranger, 'x-target': '/a' });
    expect(refused.status).toBe(502);
    expect(refused.headers['x-error-code']).toBe('13'); // error-code.TLS-certificate-error
    // An answer, not a trap: the same instance answers next.
    expect((await get(`${url}/`, ca)).status).toBe(200);
  }, 60_000);

  it('without --http-ca, the system CAs alone do not vouch for a private CA: TLS-certificate-error', async () => {
    const trusted = await upstream(upstreamCert, 'not without the bundle');
    const url = await serveHttp(['--grant', `http=https://${trusted}`]);
    const response = await fetch(`${url}/secure`, { headers: { 'x-authority': trusted, 'x-target': '/' } });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-error-code')).toBe('13');
  }, 60_000);

  it('refuses --tls-cert without --tls-key, naming both', async () => {
    const { wasmhost } = await import('./run-cli.js');
    const result = wasmhost(['serve-http', await httpEchoPath(), '--listen', '127.0.0.1:0', '--tls-cert', listenerCert.cert]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--tls-cert and --tls-key go together/);
  });
});
