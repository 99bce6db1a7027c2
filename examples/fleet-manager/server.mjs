#!/usr/bin/env node
// A small reference fleet manager for tests and demos: the server side of Margo's workload
// fleet management API (device interface, mTLS identity, no {clientId} in paths), serving
// a folder of ApplicationDeployment YAML files. Plain Node, no dependencies. See README.md.
//
//   node examples/fleet-manager/server.mjs --dir <folder> [--port 0] [--host 127.0.0.1]
//        [--tls-cert server.pem --tls-key server.key [--client-ca ca.pem [--trust-domain example.org]]]
//
// The first line on stdout is the server's URL; request logs go to stderr.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const MANIFEST_TYPE = 'application/vnd.margo.manifest.v1+json';
const BUNDLE_TYPE = 'application/vnd.margo.bundle.v1+tar+gzip';
const STATES = ['pending', 'installing', 'installed', 'failed', 'removing', 'removed'];
const COUNTER = '.manifest-version.json';
const MAX_BODY = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' },
    'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'client-ca': { type: 'string' },
    'trust-domain': { type: 'string' },
  },
});
if (!args.dir || !existsSync(args.dir)) usage('--dir <folder> is required and must exist');
if (Boolean(args['tls-cert']) !== Boolean(args['tls-key'])) usage('--tls-cert and --tls-key go together');
if (args['client-ca'] && !args['tls-cert']) usage('--client-ca needs --tls-cert and --tls-key');

const dir = args.dir;
/** Posted statuses, in arrival order; capability reports by device id. */
const statuses = [];
const capabilities = new Map();

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The folder's deployments: `<deploymentId>.yaml` files, sorted by id. */
function readDeployments() {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((file) => {
    const bytes = readFileSync(join(dir, file));
    return { deploymentId: file.slice(0, -'.yaml'.length), bytes, digest: sha256(bytes) };
  });
}

/**
 * The State Manifest from the folder. manifestVersion is a counter in `.manifest-version.json`,
 * bumped whenever the folder's content changes (first manifest: 1). An optional `manifest.json`
 * overrides `manifestVersion`, and patches entries by deploymentId (or adds entries).
 */
function buildManifest() {
  const deployments = readDeployments();
  const overridePath = join(dir, 'manifest.json');
  const overrideText = existsSync(overridePath) ? readFileSync(overridePath, 'utf8') : undefined;
  const override = overrideText === undefined ? {} : JSON.parse(overrideText); // a broken override is a 500
  const content = sha256(JSON.stringify([deployments.map((d) => [d.deploymentId, d.digest]), overrideText ?? null]));
  const counterPath = join(dir, COUNTER);
  const counter = existsSync(counterPath) ? JSON.parse(readFileSync(counterPath, 'utf8')) : { manifestVersion: 0 };
  if (counter.contentDigest !== content) {
    counter.manifestVersion += 1;
    counter.contentDigest = content;
    writeFileSync(counterPath, `${JSON.stringify(counter)}\n`);
  }
  const refs = deployments.map((d) => ({
    deploymentId: d.deploymentId, digest: d.digest, sizeBytes: d.bytes.length,
    url: `/api/v1/deployments/${encodeURIComponent(d.deploymentId)}/${d.digest}`,
  }));
  for (const patch of override.deployments ?? []) {
    const ref = refs.find((r) => r.deploymentId === patch.deploymentId);
    if (ref) Object.assign(ref, patch);
    else refs.push(patch);
  }
  const bundle = deployments.length === 0 ? null : bundleOf(deployments);
  const manifest = {
    manifestVersion: override.manifestVersion ?? counter.manifestVersion,
    bundle: bundle && { mediaType: BUNDLE_TYPE, digest: bundle.digest, sizeBytes: bundle.bytes.length, url: `/api/v1/bundles/${bundle.digest}` },
    deployments: refs,
  };
  return { body: Buffer.from(JSON.stringify(manifest)), deployments, bundle };
}

/** A gzip'd ustar archive of the YAML files, as Margo's bundle endpoint serves it. */
function bundleOf(deployments) {
  const blocks = [];
  for (const d of deployments) {
    const header = Buffer.alloc(512);
    const field = (offset, length, text) => header.write(text, offset, length, 'ascii');
    const octal = (offset, length, n) => field(offset, length, `${n.toString(8).padStart(length - 1, '0')}\0`);
    field(0, 100, `${d.deploymentId}.yaml`);
    octal(100, 8, 0o644); octal(108, 8, 0); octal(116, 8, 0); octal(124, 12, d.bytes.length); octal(136, 12, 0);
    field(148, 8, ' '.repeat(8)); field(156, 1, '0'); field(257, 8, 'ustar\x0000');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, d.bytes, Buffer.alloc((512 - (d.bytes.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const bytes = gzipSync(Buffer.concat(blocks));
  return { bytes, digest: sha256(bytes) };
}

function send(res, status, body, headers = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body === undefined ? '' : `${JSON.stringify(body)}\n`);
  const type = Buffer.isBuffer(body) || body === undefined ? {} : { 'content-type': 'application/json' };
  res.writeHead(status, { ...type, ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

/** RFC 9110 If-None-Match: a list of (possibly weak) entity tags, or `*`. */
function matches(ifNoneMatch, etag) {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

function acceptsManifest(accept) {
  if (!accept) return true;
  return accept.split(',').map((t) => t.split(';')[0].trim()).some((t) => [MANIFEST_TYPE, 'application/json', 'application/*', '*/*'].includes(t));
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return { error: [413, 'body over 1 MiB'] };
    chunks.push(chunk);
  }
  try {
    return { json: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch (error) {
    return { error: [400, `body is not JSON: ${error.message}`] };
  }
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

async function handle(req, res) {
  const path = new URL(req.url, 'http://fleet-manager').pathname;
  const method = req.method;
  let m;
  if (path === '/api/v1/deployments') {
    if (method !== 'GET') return send(res, 405, { error: 'use GET' }, { allow: 'GET' });
    if (!acceptsManifest(req.headers.accept)) return send(res, 406, { error: `only ${MANIFEST_TYPE} is served` });
    const { body } = buildManifest();
    const etag = `"${sha256(body)}"`;
    if (matches(req.headers['if-none-match'], etag)) return send(res, 304, Buffer.alloc(0), { etag });
    return send(res, 200, body, { 'content-type': MANIFEST_TYPE, etag, 'cache-control': 'no-cache' });
  }
  if ((m = /^\/api\/v1\/deployments\/([^/]+)\/(sha256:[0-9a-f]{64})$/.exec(path)) && method === 'GET') {
    const id = decodeURIComponent(m[1]);
    const found = readDeployments().find((d) => d.deploymentId === id && d.digest === m[2]);
    if (!found) return send(res, 404, { error: `no deployment ${id} with digest ${m[2]}` });
    return send(res, 200, found.bytes, { 'content-type': 'application/yaml', etag: `"${found.digest}"`, 'cache-control': 'public, max-age=31536000, immutable' });
  }
  if ((m = /^\/api\/v1\/bundles\/(sha256:[0-9a-f]{64})$/.exec(path)) && method === 'GET') {
    const { bundle } = buildManifest();
    if (!bundle || bundle.digest !== m[1]) return send(res, 404, { error: `no bundle with digest ${m[1]}` });
    return send(res, 200, bundle.bytes, { 'content-type': BUNDLE_TYPE, etag: `"${bundle.digest}"`, 'cache-control': 'public, max-age=31536000, immutable' });
  }
  if ((m = /^\/api\/v1\/deployments\/([^/]+)\/status$/.exec(path))) {
    if (method !== 'POST') return send(res, 405, { error: 'use POST' }, { allow: 'POST' });
    const { json, error } = await readJson(req);
    if (error) return send(res, error[0], { error: error[1] });
    const id = decodeURIComponent(m[1]);
    const problem = !isObject(json) ? 'body is not an object'
      : json.kind !== 'DeploymentStatusManifest' ? 'kind must be DeploymentStatusManifest'
      : typeof json.apiVersion !== 'string' ? 'apiVersion is missing'
      : json.deploymentId !== id ? `deploymentId ${JSON.stringify(json.deploymentId)} differs from the path's ${JSON.stringify(id)}`
      : !isObject(json.status) || !STATES.includes(json.status.state) ? `status.state must be one of ${STATES.join(', ')}`
      : !Array.isArray(json.components) || !json.components.every((c) => isObject(c) && typeof c.name === 'string' && STATES.includes(c.state)) ? 'components must be [{name, state}]'
      : undefined;
    if (problem) return send(res, 422, { error: problem });
    statuses.push(json);
    return send(res, 200, undefined);
  }
  if ((m = /^\/api\/v1\/capabilities\/(.+)$/.exec(path))) {
    if (method !== 'POST' && method !== 'PUT') return send(res, 405, { error: 'use POST (first report) or PUT (update)' }, { allow: 'POST, PUT' });
    const { json, error } = await readJson(req);
    if (error) return send(res, error[0], { error: error[1] });
    const problem = !isObject(json) ? 'body is not an object'
      : json.kind !== 'DeviceCapabilitiesManifest' ? 'kind must be DeviceCapabilitiesManifest'
      : typeof json.apiVersion !== 'string' ? 'apiVersion is missing'
      : !isObject(json.properties) ? 'properties is missing' : undefined;
    if (problem) return send(res, 422, { error: problem });
    const deviceId = decodeURIComponent(m[1]);
    capabilities.set(deviceId, [...(capabilities.get(deviceId) ?? []), { method, manifest: json }]);
    return send(res, 201, undefined);
  }
  if (path === '/debug/statuses' && method === 'GET') return send(res, 200, statuses);
  if ((m = /^\/debug\/capabilities\/(.+)$/.exec(path)) && method === 'GET') {
    const reports = capabilities.get(decodeURIComponent(m[1]));
    return reports ? send(res, 200, reports) : send(res, 404, { error: `no capabilities reported for ${m[1]}` });
  }
  return send(res, 404, { error: `no route ${method} ${path}` });
}

/**
 * CORS, so a browser device (a page served by `wasmhost serve` on another origin) can follow
 * this server with fetch: any origin, the methods and headers the device side sends, ETag
 * readable; CORP cross-origin, so a cross-origin-isolated page (COEP require-corp) may load it.
 */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag',
  'cross-origin-resource-policy': 'cross-origin',
};

function onRequest(req, res) {
  for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, PUT',
      'access-control-allow-headers': 'content-type, if-none-match, accept',
      'access-control-max-age': '600',
    });
    res.end();
    process.stderr.write(`${req.method} ${req.url} 204\n`);
    return;
  }
  handle(req, res).catch((error) => {
    process.stderr.write(`fleet-manager: ${req.method} ${req.url}: ${error.stack ?? error}\n`);
    if (!res.headersSent) send(res, 500, { error: error.message });
    else res.destroy();
  }).finally(() => process.stderr.write(`${req.method} ${req.url} ${res.statusCode}\n`));
}

// TLS 1.3 only, as Margo's identity profile asks; with --trust-domain, a device is known by the
// SPIFFE ID of its X509-SVID (verified against --client-ca first) and any other client is cut off.
const tls = args['tls-cert'] && {
  cert: readFileSync(args['tls-cert']), key: readFileSync(args['tls-key']), minVersion: 'TLSv1.3',
  ...(args['client-ca'] && { ca: readFileSync(args['client-ca']), requestCert: true, rejectUnauthorized: true }),
};
if (args['trust-domain'] && !args['client-ca']) usage('--trust-domain needs --client-ca (the trust bundle of the devices\' SVIDs)');
const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
if (args['trust-domain']) server.on('secureConnection', (socket) => refuseOtherDomains(socket, args['trust-domain']));

/** Destroys a connection whose client certificate is not an X509-SVID of the trust domain (one URI SAN). */
function refuseOtherDomains(socket, trustDomain) {
  const uris = (socket.getPeerCertificate().subjectaltname ?? '').split(', ').filter((e) => e.startsWith('URI:')).map((e) => e.slice(4));
  if (uris.length === 1 && uris[0].startsWith(`spiffe://${trustDomain}/`)) return;
  process.stderr.write(`fleet-manager: refused a device whose certificate is not an SVID of ${trustDomain} (URI SANs: ${uris.join(', ') || 'none'})\n`);
  socket.destroy();
}
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  const host = args.host.includes(':') ? `[${args.host}]` : args.host;
  process.stdout.write(`${tls ? 'https' : 'http'}://${host}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });

function usage(problem) {
  process.stderr.write(`fleet-manager: ${problem}\nusage: node server.mjs --dir <folder> [--port 0] [--host 127.0.0.1] [--tls-cert <pem> --tls-key <pem> [--client-ca <pem> [--trust-domain <domain>]]]\n`);
  process.exit(2);
}
