// A strict Margo rc.3 fleet manager for tests: every request body is checked against the
// project's rc.3 schemas (schemas.ts) and refused with a problem+json 422 when it does not fit;
// every response it gives is checked too. One pure `handle`, served in memory (an HttpClient,
// for core tests with an injected clock) or on 127.0.0.1 (for a real agent process).
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { HttpClient, HttpResponse } from '../../../src/ports/http-client.js';
import { check } from './schemas.js';

export const MANIFEST_TYPE = 'application/vnd.margo.manifest.v1+json';
export const BUNDLE_TYPE = 'application/vnd.margo.bundle.v1+tar+gzip';
const PROBLEM_BASE = 'https://docs.margo.org/specification/problem-types';

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const enc = (s: string) => new TextEncoder().encode(s);

/** One request as the fleet manager saw it. */
export interface Seen { method: string; path: string; at: number; headers: Record<string, string>; status: number; body?: unknown }
/** A one-shot answer that pre-empts the API for the next matching request. */
export interface Injected { method?: string; path: RegExp; status: number; headers?: Record<string, string>; problem?: Record<string, unknown> }

/** A fleet manager's state and its handler. */
export function createRc3FleetManager(now: () => number = Date.now) {
  const deployments = new Map<string, Uint8Array>();
  const state = {
    manifestVersion: 1,
    /** Serve the bundle in the manifest (when there are deployments). */
    offerBundle: true,
    /** Bytes served instead of the real YAML of a deployment id (a tampered copy). */
    tampered: new Map<string, Uint8Array>(),
  };
  const seen: Seen[] = [];
  /** Requests or responses that broke rc.3 (must stay empty). */
  const violations: string[] = [];
  const injected: Injected[] = [];
  const capabilities = new Map<string, unknown>();
  const statuses: Record<string, unknown>[] = [];

  function problem(status: number, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpResponse {
    const body = { type: `${PROBLEM_BASE}#${title.toLowerCase().replace(/[^a-z]+/g, '-')}`, title, status, ...extra };
    const errors = check('problem', body);
    if (errors.length) violations.push(`own problem body: ${JSON.stringify(errors)}`);
    return { status, headers: { 'content-type': 'application/problem+json', ...headers }, body: enc(JSON.stringify(body)) };
  }

  function manifestDoc() {
    const list = [...deployments].sort(([a], [b]) => a.localeCompare(b));
    const bundle = list.length && state.offerBundle ? bundleOf(list.map(([, b]) => b)) : undefined;
    const doc = {
      manifestVersion: state.manifestVersion,
      bundle: bundle ? { mediaType: BUNDLE_TYPE, digest: sha256(bundle), sizeBytes: bundle.length, url: `/api/v1/bundles/${sha256(bundle)}` } : null,
      deployments: list.map(([id, b]) => ({ deploymentId: id, digest: sha256(b), sizeBytes: b.length, url: `/api/v1/deployments/${id}/${sha256(b)}` })),
    };
    const errors = check('manifest', doc);
    // A test may offer no bundle with deployments (a server without one): tolerated, noted.
    if (errors.length && state.offerBundle) violations.push(`own manifest: ${JSON.stringify(errors)}`);
    return { doc, bundle };
  }

  function handle(method: string, path: string, headers: Record<string, string>, body: Uint8Array): HttpResponse {
    const shot = injected.findIndex((i) => (!i.method || i.method === method) && i.path.test(path));
    if (shot >= 0) {
      const [i] = injected.splice(shot, 1);
      return problem(i.status, i.status === 503 ? 'Service Unavailable' : `Status ${i.status}`, i.problem, i.headers);
    }
    let m: RegExpExecArray | null;
    if (path === '/api/v1/deployments' && method === 'GET') {
      const accept = headers.accept ?? '';
      if (!accept.split(',').some((t) => t.split(';')[0].trim() === MANIFEST_TYPE)) return problem(406, 'Not Acceptable', { detail: `Accept must include ${MANIFEST_TYPE}` });
      const text = JSON.stringify(manifestDoc().doc);
      const etag = `"${sha256(enc(text))}"`;
      if (headers['if-none-match'] === etag) return { status: 304, headers: { etag }, body: new Uint8Array() };
      return { status: 200, headers: { 'content-type': MANIFEST_TYPE, etag, 'cache-control': 'private' }, body: enc(text) };
    }
    if ((m = /^\/api\/v1\/deployments\/([^/]+)\/([^/]+)$/.exec(path)) && m[2] !== 'status' && method === 'GET') {
      const bytes = deployments.get(decodeURIComponent(m[1]));
      if (!bytes || sha256(bytes) !== m[2]) return problem(404, 'Not Found', { detail: 'no deployment with that digest' });
      return { status: 200, headers: { 'content-type': 'application/yaml' }, body: state.tampered.get(decodeURIComponent(m[1])) ?? bytes };
    }
    if ((m = /^\/api\/v1\/bundles\/([^/]+)$/.exec(path)) && method === 'GET') {
      const { bundle } = manifestDoc();
      if (!bundle || sha256(bundle) !== m[1]) return problem(404, 'Not Found', { detail: 'no bundle with that digest' });
      return { status: 200, headers: { 'content-type': BUNDLE_TYPE, etag: `"${m[1]}"` }, body: bundle };
    }
    if ((m = /^\/api\/v1\/deployments\/([^/]+)\/status$/.exec(path)) && method === 'POST') {
      const json = parse(body);
      const errors = check('status', json);
      if (errors.length) return refuse(`POST ${path}`, errors);
      if ((json as { deploymentId: string }).deploymentId !== decodeURIComponent(m[1])) return refuse(`POST ${path}`, [{ field: '/deploymentId', message: 'differs from the path' }]);
      statuses.push(json as Record<string, unknown>);
      return { status: 201, headers: {}, body: new Uint8Array() };
    }
    if ((m = /^\/api\/v1\/capabilities\/(.+)$/.exec(path))) {
      const deviceId = m[1];
      if (check('deviceId', deviceId).length) return refuse(`${method} ${path}`, [{ field: 'deviceId', message: 'not a DeviceId' }]);
      if (method === 'DELETE') {
        if (!capabilities.delete(deviceId)) return problem(404, 'Not Found', { detail: `no device ${deviceId}` });
        return { status: 204, headers: {}, body: new Uint8Array() };
      }
      if (method !== 'PUT') {
        violations.push(`${method} ${path}: rc.3 has only PUT and DELETE here`);
        return problem(405, 'Method Not Allowed', {}, { allow: 'PUT, DELETE' });
      }
      const json = parse(body);
      const errors = check('capabilities', json);
      if (errors.length) return refuse(`PUT ${path}`, errors);
      if ((json as { properties: { id: string } }).properties.id !== deviceId) return refuse(`PUT ${path}`, [{ field: '/properties/id', message: 'differs from the path' }]);
      const gateway = deviceId.split('/').slice(0, -1).join('/');
      if (gateway && !capabilities.has(gateway)) return problem(404, 'Gateway not found', { detail: `no gateway ${gateway}` });
      const existed = capabilities.has(deviceId);
      capabilities.set(deviceId, json);
      return { status: existed ? 200 : 201, headers: {}, body: new Uint8Array() };
    }
    violations.push(`${method} ${path}: no such rc.3 route`);
    return problem(404, 'Not Found', { detail: `no route ${method} ${path}` });
  }

  function refuse(what: string, errors: { field: string; message: string }[]): HttpResponse {
    violations.push(`${what}: ${JSON.stringify(errors)}`);
    return problem(422, 'Unprocessable Content', { detail: 'the body does not fit rc.3', retryable: false, errors });
  }

  function serve(method: string, url: string, headers: Record<string, string>, body: Uint8Array): HttpResponse {
    const path = new URL(url, 'http://fm').pathname;
    const res = handle(method, path, headers, body);
    seen.push({ method, path, at: now(), headers, status: res.status, body: body.length ? parse(body) : undefined });
    return res;
  }

  /** The fleet manager as the core's HttpClient port (in memory, no sockets). */
  const client: HttpClient = {
    async request(method, url, init) {
      const headers = Object.fromEntries(Object.entries(init?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      return serve(method, url, headers, init?.body ?? new Uint8Array());
    },
  };

  /**
   * Serves it on 127.0.0.1 for a real agent process: plain http, or with `tls` mutual TLS 1.3 as
   * Margo asks (client certificates required against `ca`); `clients` then lists the URI SAN
   * (the device's SPIFFE ID) each request came with.
   */
  async function listen(tls?: { cert: Uint8Array; key: Uint8Array; ca: Uint8Array }): Promise<{ url: string; clients: string[]; close(): Promise<void> }> {
    const clients: string[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (tls) clients.push((req.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const out = serve(req.method ?? 'GET', req.url ?? '/', headers, new Uint8Array(Buffer.concat(chunks)));
        res.writeHead(out.status, out.headers);
        res.end(Buffer.from(out.body));
      });
    };
    const server = tls
      ? https.createServer({ cert: Buffer.from(tls.cert), key: Buffer.from(tls.key), ca: Buffer.from(tls.ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, handler)
      : http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, clients, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  }

  return { deployments, state, seen, violations, injected, capabilities, statuses, client, listen, sha256 };
}

function parse(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

/** A gzip'd ustar archive with one `<n>.yaml` per file, as rc.3's bundle endpoint serves it. */
export function bundleOf(files: Uint8Array[]): Uint8Array {
  const blocks: Buffer[] = [];
  files.forEach((bytes, n) => {
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, text: string) => header.write(text, offset, length, 'ascii');
    const octal = (offset: number, length: number, v: number) => field(offset, length, `${v.toString(8).padStart(length - 1, '0')}\0`);
    field(0, 100, `deployment-${n}.yaml`);
    octal(100, 8, 0o644); octal(108, 8, 0); octal(116, 8, 0); octal(124, 12, bytes.length); octal(136, 12, 0);
    field(148, 8, ' '.repeat(8)); field(156, 1, '0'); field(257, 8, 'ustar\x0000');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, Buffer.from(bytes), Buffer.alloc((512 - (bytes.length % 512)) % 512));
  });
  blocks.push(Buffer.alloc(1024));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}
