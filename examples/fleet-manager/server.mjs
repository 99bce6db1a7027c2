#!/usr/bin/env node
// A small reference fleet manager for tests and demos: the server side of Margo's Workload
// Management API 1.0.0-rc.3 (device interface, mTLS identity, no {clientId} in paths), serving
// a folder of ApplicationDeployment YAML files. Errors are RFC 9457 problem details. Plain
// Node, no dependencies (the project's tests check its answers against rc.3 schemas). See README.md.
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
const PROBLEM_TYPES = 'https://docs.margo.org/specification/problem-types';
const TITLES = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 413: 'Content Too Large', 422: 'Unprocessable Content', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const DEVICE_ID = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const EXTENSION = /^x-[a-z][a-z0-9-]*-extensions$/;
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
/** Posted statuses, in arrival order; capability reports by device id (a DELETE removes them). */
const statuses = [];
const capabilities = new Map();
/** Devices deregistered with DELETE, in order. */
const deregistered = [];

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

/** An RFC 9457 problem (`application/problem+json`) with Margo's members. */
function problem(res, status, detail, extra = {}, headers = {}) {
  const title = TITLES[status] ?? 'Error';
  const body = {
    type: `${PROBLEM_TYPES}#${title.toLowerCase().replace(/[^a-z]+/g, '-')}`, title, status, detail,
    retryable: status === 503 || status === 429 || status >= 500, ...extra,
  };
  const bytes = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

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

/** rc.3 DeploymentStatusManifest: field errors as `[{field, message}]`. */
function statusErrors(json, id) {
  if (!isObject(json)) return [{ field: '', message: 'body is not an object' }];
  const errors = [];
  if (json.deploymentId !== id) errors.push({ field: 'deploymentId', message: `must equal the path's ${JSON.stringify(id)}` });
  if (!Number.isSafeInteger(json.adoptedManifestVersion) || json.adoptedManifestVersion < 1) errors.push({ field: 'adoptedManifestVersion', message: 'required: the manifestVersion the device adopted (an integer ≥ 1)' });
  if (json.deviceId !== undefined && !(typeof json.deviceId === 'string' && DEVICE_ID.test(json.deviceId))) errors.push({ field: 'deviceId', message: 'not a DeviceId' });
  if (!isObject(json.status) || !STATES.includes(json.status.state)) errors.push({ field: 'status.state', message: `must be one of ${STATES.join(', ')}` });
  if (!Array.isArray(json.components) || !json.components.every((c) => isObject(c) && typeof c.name === 'string' && STATES.includes(c.state))) errors.push({ field: 'components', message: 'must be [{name, state}]' });
  return errors;
}

/** rc.3 DeviceCapabilitiesManifest: `properties` (identity required), `labels`, `x-*-extensions`, nothing else. */
function capabilityErrors(json, deviceId) {
  if (!isObject(json)) return [{ field: '', message: 'body is not an object' }];
  const errors = Object.keys(json).filter((k) => k !== 'properties' && k !== 'labels' && !EXTENSION.test(k)).map((k) => ({ field: k, message: 'not allowed at the top level' }));
  if (!isObject(json.properties)) return [...errors, { field: 'properties', message: 'required' }];
  for (const key of ['id', 'vendor', 'modelNumber', 'serialNumber']) if (typeof json.properties[key] !== 'string') errors.push({ field: `properties.${key}`, message: 'required string' });
  if (json.properties.id !== deviceId) errors.push({ field: 'properties.id', message: `must equal the path's ${JSON.stringify(deviceId)}` });
  if ('cpu' in json.properties) errors.push({ field: 'properties.cpu', message: 'rc.3 calls it cpus' });
  return errors;
}

async function handle(req, res) {
  const path = new URL(req.url, 'http://fleet-manager').pathname;
  const method = req.method;
  let m;
  if (path === '/api/v1/deployments') {
    if (method !== 'GET') return problem(res, 405, 'use GET', {}, { allow: 'GET' });
    if (!acceptsManifest(req.headers.accept)) return problem(res, 406, `only ${MANIFEST_TYPE} is served`, { retryable: false });
    const { body } = buildManifest();
    const etag = `"${sha256(body)}"`;
    if (matches(req.headers['if-none-match'], etag)) return send(res, 304, Buffer.alloc(0), { etag });
    return send(res, 200, body, { 'content-type': MANIFEST_TYPE, etag, 'cache-control': 'private' });
  }
  if ((m = /^\/api\/v1\/deployments\/([^/]+)\/(sha256:[0-9a-f]{64})$/.exec(path)) && method === 'GET') {
    const id = decodeURIComponent(m[1]);
    const found = readDeployments().find((d) => d.deploymentId === id && d.digest === m[2]);
    if (!found) return problem(res, 404, `no deployment ${id} with digest ${m[2]}`, { retryable: false });
    return send(res, 200, found.bytes, { 'content-type': 'application/yaml', etag: `"${found.digest}"`, 'cache-control': 'private, max-age=31536000, immutable' });
  }
  if ((m = /^\/api\/v1\/bundles\/(sha256:[0-9a-f]{64})$/.exec(path)) && method === 'GET') {
    const { bundle } = buildManifest();
    if (!bundle || bundle.digest !== m[1]) return problem(res, 404, `no bundle with digest ${m[1]}`, { retryable: false });
    if (matches(req.headers['if-none-match'], `"${bundle.digest}"`)) return send(res, 304, Buffer.alloc(0), { etag: `"${bundle.digest}"` });
    return send(res, 200, bundle.bytes, { 'content-type': BUNDLE_TYPE, etag: `"${bundle.digest}"`, 'cache-control': 'private, max-age=31536000, immutable' });
  }
  if ((m = /^\/api\/v1\/deployments\/([^/]+)\/status$/.exec(path))) {
    if (method !== 'POST') return problem(res, 405, 'use POST', {}, { allow: 'POST' });
    const { json, error } = await readJson(req);
    if (error) return problem(res, error[0], error[1], { retryable: false });
    const id = decodeURIComponent(m[1]);
    const errors = statusErrors(json, id);
    if (errors.length) return problem(res, 422, `not a DeploymentStatusManifest: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { retryable: false, errors });
    const first = !statuses.some((s) => s.deploymentId === id);
    statuses.push(json);
    return send(res, first ? 201 : 200, undefined);
  }
  if ((m = /^\/api\/v1\/capabilities\/(.+)$/.exec(path))) {
    const deviceId = m[1];
    if (!DEVICE_ID.test(deviceId)) return problem(res, 400, `${JSON.stringify(deviceId)} is not a DeviceId`, { retryable: false });
    if (method === 'DELETE') {
      if (!capabilities.has(deviceId)) return problem(res, 404, `no device ${deviceId}`, { retryable: false });
      capabilities.delete(deviceId);
      deregistered.push(deviceId);
      return send(res, 204, undefined);
    }
    if (method !== 'PUT') return problem(res, 405, 'use PUT (report or update) or DELETE (deregister)', {}, { allow: 'PUT, DELETE' });
    const { json, error } = await readJson(req);
    if (error) return problem(res, error[0], error[1], { retryable: false });
    const errors = capabilityErrors(json, deviceId);
    if (errors.length) return problem(res, 422, `not a DeviceCapabilitiesManifest: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { retryable: false, errors });
    const gateway = deviceId.split('/').slice(0, -1).join('/');
    if (gateway && !capabilities.has(gateway)) return problem(res, 404, `no gateway ${gateway} was found for the child device ${deviceId}`, { retryable: false, title: 'Gateway not found' });
    const existed = capabilities.has(deviceId);
    capabilities.set(deviceId, [...(capabilities.get(deviceId) ?? []), { method, manifest: json }]);
    return send(res, existed ? 200 : 201, undefined);
  }
  if (path === '/debug/statuses' && method === 'GET') return send(res, 200, statuses);
  if (path === '/debug/devices' && method === 'GET') return send(res, 200, { devices: [...capabilities.keys()], deregistered });
  if ((m = /^\/debug\/capabilities\/(.+)$/.exec(path)) && method === 'GET') {
    const reports = capabilities.get(decodeURIComponent(m[1]));
    return reports ? send(res, 200, reports) : problem(res, 404, `no capabilities reported for ${m[1]}`);
  }
  return problem(res, 404, `no route ${method} ${path}`);
}

/**
 * CORS, so a browser device (a page served by `wasmhost serve` on another origin) can follow
 * this server with fetch: any origin, the methods and headers the device side sends, ETag
 * readable; CORP cross-origin, so a cross-origin-isolated page (COEP require-corp) may load it.
 */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag, Retry-After',
  'cross-origin-resource-policy': 'cross-origin',
};

function onRequest(req, res) {
  for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, PUT, DELETE',
      'access-control-allow-headers': 'content-type, if-none-match, accept',
      'access-control-max-age': '600',
    });
    res.end();
    process.stderr.write(`${req.method} ${req.url} 204\n`);
    return;
  }
  handle(req, res).catch((error) => {
    process.stderr.write(`fleet-manager: ${req.method} ${req.url}: ${error.stack ?? error}\n`);
    if (!res.headersSent) problem(res, 500, error.message);
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
