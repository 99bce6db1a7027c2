import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WasmhostError } from '../src/errors.js';
import { DEFAULT_TOPIC_ROOT } from '../src/bridge/acl.js';
import { createProcessTranspiler } from './transpile-process.js';
import type { TranspiledArtifact } from '../src/ports/artifact-cache.js';
import { createFileArtifactCache } from './file-artifact-cache.js';
import { startBroker, type RunningBroker } from './broker.js';
import type { CredentialStore } from './credentials.js';
import { createPageSessions } from './page-sessions.js';

/** Options of the page server behind `wasmhost serve`. */
export interface PageServerOptions {
  /** HTTP port; 0 picks a free one (default 8080). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1: this machine's browsers only). */
  host?: string;
  /** The browser host bundle (default: dist/host-browser/ of this package, from `npm run build`). */
  pageDir?: string;
  /** Served under /files/, and scanned for components to pre-transpile (default: the package's examples/). */
  filesDir?: string;
  /** The file artifact cache transpiled components are kept in. */
  cacheDir: string;
  /** Peers' and pages' credentials: the broker checks them, POST /session adds pages to them. */
  credentials: CredentialStore;
  /** The peers a page may reach (rpc) and hear (birth, death, data, reply); default none. */
  pagePeers?: readonly string[];
  /** What POST /session wants from a non-loopback address (`Authorization: Bearer …`). */
  accessToken: string;
  /** The password of the host role (`wasmhost-host`); never served. */
  hostPassword: string;
  /** The embedded broker's TCP port for peers (default 1883; 0: any free one). */
  brokerPort?: number;
  /** When brokerPort is taken, listen on a free one instead (and log it) rather than fail. */
  brokerPortFallback?: boolean;
  /** The broker's largest packet (default 64 KiB). */
  maxPacketBytes?: number;
  /** The interface the broker's TCP listener is on (default 127.0.0.1). */
  brokerHost?: string;
  /** A fleet manager the pages follow (handed to them in /config.json). */
  wfm?: string;
  /** An OpenTelemetry collector the pages export to (handed to them in /config.json). */
  otel?: string;
  /**
   * Let the pages run workloads in-process (no call time limit) when a manifest asks: the
   * operator's choice, handed to the pages in /config.json (default: refused).
   */
  allowInProcess?: boolean;
  /** The bridge's topic root (default `wasmhost/v1`). */
  root?: string;
  /**
   * Serve https (and wss for the pages' MQTT) with this certificate and key (PEM). Browsers make
   * a page cross-origin isolated only in a secure context: http works on localhost alone.
   */
  tls?: { cert: Uint8Array; key: Uint8Array };
  /** The transpiler (default: jco in a child process, transpile-process.ts); tests count calls through it. */
  transpile?: (bytes: Uint8Array, digest: string) => Promise<TranspiledArtifact>;
  /** Broker refusals (`broker: …`) and server errors (default: console.warn). */
  log?: (line: string) => void;
}

/** A running page server and its broker. */
export interface RunningPageServer {
  /** `http://host:port/` as listened on (0.0.0.0 included). */
  url: string;
  port: number;
  broker: RunningBroker;
  /** Component files found under filesDir, by digest (relative paths). */
  components: Map<string, string>;
  filesDir: string;
  close(): Promise<void>;
}

/** The MQTT over WebSocket path on the page server. */
export const MQTT_PATH = '/mqtt';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8', wasm: 'application/wasm', json: 'application/json', map: 'application/json',
  yaml: 'application/yaml', yml: 'application/yaml', wit: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8', c: 'text/plain; charset=utf-8', h: 'text/plain; charset=utf-8', wat: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml', png: 'image/png', ico: 'image/x-icon',
};

/** Where the bundle and the examples are, from dist/host-node/ (built) or host-node/ (sources, tests). */
function packageDir(path: string): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.endsWith('.ts') ? `../${path}` : `../../${path}`, here));
}

/**
 * Serves the browser host page (cross-origin isolated: COOP/COEP/CORP on every response),
 * its /config.json, a folder under /files/, pre-transpiled components under /artifacts/, and
 * the embedded broker: TCP for peers, MQTT over WebSocket at /mqtt for the pages.
 */
export async function startPageServer(options: PageServerOptions): Promise<RunningPageServer> {
  const pageDir = resolve(options.pageDir ?? packageDir('dist/host-browser'));
  if (!existsSync(join(pageDir, 'index.html'))) {
    throw new WasmhostError('io', `the browser host page is not built: ${join(pageDir, 'index.html')} is missing; run \`npm run build\` in the wasmhost package`);
  }
  // Real paths: a served file must resolve (symlinks followed) inside these.
  const filesDir = await realpath(resolve(options.filesDir ?? packageDir('examples'))).catch(() => resolve(options.filesDir ?? packageDir('examples')));
  if (!(await stat(filesDir).catch(() => undefined))?.isDirectory()) throw new WasmhostError('io', `--files ${filesDir} is not a directory`);
  const realPageDir = await realpath(pageDir);
  const log = options.log ?? ((line) => console.warn(`serve: ${line}`));
  const components = await findComponents(filesDir);
  const artifacts = createArtifactServer(filesDir, components, options);
  const root = options.root ?? DEFAULT_TOPIC_ROOT;
  // No secret here: each page asks POST /session for a credential of its own.
  const config = Buffer.from(JSON.stringify({
    deviceClass: 'browser',
    broker: { path: MQTT_PATH, session: '/session', protocolVersion: 4, root },
    artifacts: '/artifacts/',
    files: '/files/',
    ...(options.wfm ? { wfm: options.wfm } : {}),
    ...(options.allowInProcess ? { allowInProcess: true } : {}),
    ...(options.otel ? { otel: options.otel } : {}),
  }));
  const sessions = createPageSessions({ credentials: options.credentials, peers: options.pagePeers ?? [], accessToken: options.accessToken });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const segments = pathSegments(req.url ?? '/');
    if (req.method === 'POST' && segments?.length === 1 && segments[0] === 'session') {
      const result = sessions(req);
      req.resume();
      return result.ok ? sendJson(req, res, 200, result.session, { 'Cache-Control': 'no-store' }) : sendJson(req, res, result.status, { error: result.error });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(req, res, 405, { error: `${req.method} is not served; use GET or HEAD (or POST /session)` }, { Allow: 'GET, HEAD' });
    if (!segments) return sendJson(req, res, 400, { error: 'path not allowed' });
    const [first, ...rest] = segments;
    if (segments.length === 1 && first === 'config.json') return send(req, res, 200, config, { 'Content-Type': TYPES.json, 'Cache-Control': 'no-store' });
    if (first === 'files' && rest.length > 0) return sendFile(req, res, filesDir, rest);
    if (first === 'artifacts' && rest.length === 2) return artifacts(req, res, rest[0], rest[1]);
    if (first === 'artifacts' || first === 'files') return sendJson(req, res, 404, { error: `no such resource ${req.url}` });
    return sendFile(req, res, realPageDir, segments.at(-1) === '' ? [...segments.slice(0, -1), 'index.html'] : segments);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') return; // the client went away mid-file
      log(`${req.method} ${req.url}: ${error.stack ?? error.message}`);
      if (!res.headersSent) sendJson(req, res, 500, { error: error.message });
      else res.destroy();
    });
  };
  // An https server handles requests and upgrades as an http one does (the broker attaches to it alike).
  const server: Server = options.tls ? (createHttpsServer({ cert: Buffer.from(options.tls.cert), key: Buffer.from(options.tls.key) }, onRequest) as unknown as Server) : createServer(onRequest);
  const brokerOptions = {
    host: options.brokerHost ?? '127.0.0.1', root, credentials: options.credentials, maxPacketBytes: options.maxPacketBytes,
    hostPassword: options.hostPassword, attach: { server, path: MQTT_PATH }, log: (line: string) => log(`broker: ${line}`),
  };
  const wanted = options.brokerPort ?? 1883;
  const broker = await startBroker({ ...brokerOptions, port: wanted }).catch(async (error: WasmhostError) => {
    if (!options.brokerPortFallback || !/EADDRINUSE/.test(error.message)) throw error;
    const fallback = await startBroker({ ...brokerOptions, port: 0 });
    log(`port ${wanted} is taken (another MQTT broker?): the embedded broker listens on ${fallback.url} instead; point peers there (or use --broker-port)`);
    return fallback;
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((done, reject) => {
    server.once('error', (error) => reject(new WasmhostError('io', `serve could not listen on ${host}:${options.port ?? 8080}: ${error.message}`, { cause: error })));
    server.listen(options.port ?? 8080, host, () => done());
  }).catch(async (error: unknown) => {
    await broker.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port, broker, components, filesDir,
    async close() {
      await broker.close();
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}

/** `/artifacts/<digest>/index.json` and `/artifacts/<digest>/<file>`: transpiled once per digest, through the file cache. */
function createArtifactServer(filesDir: string, components: Map<string, string>, options: PageServerOptions) {
  const cache = createFileArtifactCache({ dir: options.cacheDir });
  // In a child process, as a Node host does: the page server keeps answering while jco runs.
  const transpile = options.transpile ?? createProcessTranspiler();
  const prepared = new Map<string, Promise<Map<string, { bytes: Uint8Array; digest: string }>>>();

  async function build(digest: string) {
    let artifact = await (await cache.get(digest))?.artifact();
    if (!artifact) {
      const bytes = await readFile(join(filesDir, components.get(digest)!));
      if (sha256(bytes) !== digest) throw new WasmhostError('io', `${components.get(digest)} changed since serve started; restart serve`);
      artifact = await transpile(bytes, digest);
      await cache.put(artifact);
    }
    const files = new Map<string, { bytes: Uint8Array; digest: string }>();
    const glue = Buffer.from(artifact.glue);
    files.set('component.js', { bytes: glue, digest: sha256(glue) });
    const coreModules: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(artifact.coreModules)) {
      coreModules[name] = sha256(bytes);
      files.set(name, { bytes, digest: coreModules[name] });
    }
    const index = Buffer.from(JSON.stringify({ digest, glue: 'component.js', coreModules }));
    files.set('index.json', { bytes: index, digest: sha256(index) });
    return files;
  }

  return async (req: IncomingMessage, res: ServerResponse, digest: string, name: string): Promise<void> => {
    if (!components.has(digest)) return sendJson(req, res, 404, { error: `no component with digest ${digest} is served here` });
    let files = prepared.get(digest);
    if (!files) {
      // Concurrent first requests share one transpile; a failed one is tried again next time.
      files = build(digest);
      prepared.set(digest, files);
      files.catch(() => prepared.delete(digest));
    }
    let file;
    try {
      file = (await files).get(name);
    } catch (error) {
      return sendJson(req, res, 500, { error: (error as Error).message });
    }
    if (!file) return sendJson(req, res, 404, { error: `component ${digest} has no artifact file ${name}` });
    const type = TYPES[name.split('.').pop()!] ?? 'application/octet-stream';
    return send(req, res, 200, file.bytes, { 'Content-Type': type, ETag: `"${file.digest}"`, 'Cache-Control': 'no-cache' });
  };
}

/** Every component binary under `dir` (not core modules), by `sha256:` digest. */
async function findComponents(dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.wasm') && (await isComponent(path))) {
        found.set(sha256(await readFile(path)), relative(dir, path).split(sep).join('/'));
      }
    }
  };
  await walk(dir);
  return found;
}

/** The component binary preamble: `\0asm`, version 0x0d, layer 1. */
async function isComponent(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await file.read(head, 0, 8, 0);
    return bytesRead === 8 && head.equals(Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]));
  } finally {
    await file.close();
  }
}

/**
 * The decoded path segments of a request target, or undefined when one would leave the served
 * folder: `..` or `.` (also percent-encoded), or a segment that decodes to a separator or NUL.
 */
export function pathSegments(target: string): string[] | undefined {
  const path = target.split(/[?#]/)[0];
  if (!path.startsWith('/')) return undefined;
  const out: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '..' || segment === '.' || /[/\\\0]/.test(segment)) return undefined;
    out.push(segment);
  }
  return out;
}

async function sendFile(req: IncomingMessage, res: ServerResponse, root: string, segments: string[]): Promise<void> {
  const path = join(root, ...segments);
  const inside = !segments.some((s) => s.startsWith('.') || s === '') && path.startsWith(root + sep);
  // `root` is a real path; the file's real path (symlinks followed) must stay under it.
  const real = inside ? await realpath(path).catch(() => undefined) : undefined;
  const info = real?.startsWith(root + sep) ? await stat(real).catch(() => undefined) : undefined;
  if (!real || !info?.isFile()) return sendJson(req, res, 404, { error: `not found: ${req.url}` });
  const headers = {
    'Content-Type': TYPES[path.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    ETag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
    'Cache-Control': 'no-cache',
  };
  if (notModified(req, headers.ETag)) return void res.writeHead(304, { ETag: headers.ETag, 'Cache-Control': headers['Cache-Control'] }).end();
  res.writeHead(200, headers);
  if (req.method === 'HEAD') return void res.end();
  await pipeline(createReadStream(real), res);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: Uint8Array, headers: Record<string, string>): void {
  if (status === 200 && headers.ETag && notModified(req, headers.ETag)) return void res.writeHead(304, { ETag: headers.ETag, 'Cache-Control': headers['Cache-Control'] ?? 'no-cache' }).end();
  res.writeHead(status, { ...headers, 'Content-Length': String(body.byteLength) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(req, res, status, Buffer.from(`${JSON.stringify(body)}\n`), { 'Content-Type': TYPES.json, 'Cache-Control': 'no-cache', ...headers });
}

/** RFC 9110 If-None-Match: a list of (possibly weak) entity tags, or `*`. */
function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  return header !== undefined && header.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
