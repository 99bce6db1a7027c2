// A Docker-registry token service for tests (the protocol distribution's `auth: token`
// speaks): GET /token?service=…&scope=repository:<name>:<actions> with basic auth answers a
// JWT signed RS256 by a key whose self-signed certificate (x5c header) the registry trusts.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A running token service; `certPath` is the registry's rootcertbundle. */
export interface TokenServer { realm: string; certPath: string; issuer: string; service: string; requests: string[]; close(): Promise<void> }

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Starts the token service on loopback; certificate and key are written into `dir`. */
export async function startTokenServer(dir: string, user: { name: string; password: string }): Promise<TokenServer> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=wasmhost test token issuer', '-days', '1'], { stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(keyPath));
  const der = new X509Certificate(readFileSync(certPath)).raw;
  const issuer = 'wasmhost-test-issuer';
  const service = 'wasmhost-test-registry';
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    requests.push(req.url!);
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== '/token' || req.headers.authorization !== expected) return void res.writeHead(401).end();
    const access = url.searchParams.getAll('scope').map((scope) => {
      const [type, name, actions] = scope.split(':');
      return { type, name, actions: actions.split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: user.name, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return { realm, certPath, issuer, service, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}
