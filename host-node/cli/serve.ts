// `wasmhost serve`: the browser host page, its artifacts and the embedded broker on one port
// (host-node/page-server.ts), until SIGINT/SIGTERM. Its own flags, apart from the other commands'.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { isPeerId } from '../../src/bridge/acl.js';
import { MQTT_PATH, startPageServer } from '../page-server.js';
import { defaultCacheDir, defaultStateDir } from '../node-host.js';
import { openCredentialStore } from '../credentials.js';
import { isLoopbackAddress } from '../page-sessions.js';
import { collectorUrl } from '../../src/telemetry/load-telemetry.js';

/** Options of `wasmhost serve`. */
export interface ServeCommandOptions {
  port: number;
  host: string;
  /** Served under /files/ (default: the package's examples/). */
  files?: string;
  /** The browser host bundle (default: the package's dist/host-browser/). */
  pageDir?: string;
  cacheDir: string;
  brokerPort: number;
  brokerHost: string;
  wfm?: string;
  /** Where peers' and pages' credentials are kept (credentials.json; shared with `wasmhost peer`). */
  stateDir: string;
  /** The peers pages may reach. */
  pagePeers: string[];
  /** A file holding the access token pages on other machines need (read, or created with a random one). */
  accessTokenFile?: string;
  /** Allow a non-loopback --host without TLS. */
  insecure?: boolean;
  /** Pages may run workloads in-process when a manifest asks (no call time limit). */
  allowInProcess?: boolean;
  /** --broker-port was given: a taken port is an error rather than a fallback. */
  brokerPortGiven?: boolean;
  /** The broker's largest MQTT packet (default 64 KiB). */
  maxPacketBytes?: number;
  /** PEM files: serve https and wss (browsers on other machines need a secure context). */
  tlsCert?: string;
  tlsKey?: string;
  /** An OpenTelemetry collector the pages export to (else $OTEL_EXPORTER_OTLP_ENDPOINT), handed to them in /config.json. */
  otel?: string;
}

/** The synopsis line and the paragraph of `wasmhost --help`. */
export const SERVE_USAGE = `wasmhost serve [--port 8080] [--host 127.0.0.1] [--files <dir>] [--broker-port 1883] [--broker-host 127.0.0.1]
                 [--state <dir>] [--page-peers id,id] [--access-token-file <f>] [--tls-cert cert.pem --tls-key key.pem | --insecure] [--max-packet-bytes 65536]
                 [--wfm <url>] [--cache-dir <dir>] [--page-dir <dir>] [--allow-in-process] [--otel <collector url>]`;

export const SERVE_HELP = `Serve: turns every browser that opens the printed URL into a browser device. Serves the browser
host page (dist/host-browser/, cross-origin isolated), /config.json (broker path, --wfm; no secrets),
POST /session (a broker credential of the page's own, page-<hex>, kept hashed in --state and
revocable with \`wasmhost peer remove\`), --files (default: the package's examples/) under /files/
(never anything outside it, symlinks included) and its components pre-transpiled under
/artifacts/<digest>/, and an embedded MQTT broker: over WebSocket at /mqtt on the same port for the
pages, over TCP on --broker-host:--broker-port for embedded peers (credentials from \`wasmhost peer
add\` with the same --state). If 1883 is taken, the broker takes a free port and says which.
A packet over --max-packet-bytes (default 65536; bridge frames are at most 4096) closes its connection.
A page may call (rpc) and hear only the peers --page-peers names (default none); its workloads'
grants are checked in the page as on Node. A workload asking for isolation: in-process (no call time
limit) is refused in the pages unless serve runs with --allow-in-process. With --otel (else
$OTEL_EXPORTER_OTLP_ENDPOINT) the pages export traces, metrics and logs over OTLP/HTTP to that
collector, which must allow the page's origin (CORS); a page's ?otel=<url> does the same alone.
Listens on 127.0.0.1 by default. To let kiosks on the LAN in: --host 0.0.0.0 with --tls-cert and
--tls-key (PEM; browsers give SharedArrayBuffer only to secure contexts, and the credentials travel
over it), then open the printed https://…/#token=… URL on each kiosk: a page from another
machine gets a session only with that access token (random per run, or kept in
--access-token-file). Plain http beyond loopback needs --insecure and is not advised.`;

/** Parses the serve arguments and runs it. */
export async function serveMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        files: { type: 'string' },
        'page-dir': { type: 'string' },
        'cache-dir': { type: 'string' },
        'broker-port': { type: 'string' },
        'broker-host': { type: 'string', default: '127.0.0.1' },
        wfm: { type: 'string' },
        state: { type: 'string' },
        'page-peers': { type: 'string', default: '' },
        'access-token-file': { type: 'string' },
        insecure: { type: 'boolean', default: false },
        'allow-in-process': { type: 'boolean', default: false },
        'max-packet-bytes': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        otel: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new WasmhostError('bad-input', `${(error as Error).message}\n\nUsage: ${SERVE_USAGE}`, { data: { usage: true } });
  }
  return serveCommand({
    port: portNumber(values.port, '--port'), host: values.host, files: values.files, pageDir: values['page-dir'],
    cacheDir: values['cache-dir'] ?? defaultCacheDir(), brokerPort: portNumber(values['broker-port'] ?? '1883', '--broker-port'),
    brokerPortGiven: values['broker-port'] !== undefined, brokerHost: values['broker-host'], wfm: values.wfm,
    stateDir: values.state ?? defaultStateDir(), pagePeers: peerList(values['page-peers']), accessTokenFile: values['access-token-file'], insecure: values.insecure,
    allowInProcess: values['allow-in-process'],
    maxPacketBytes: values['max-packet-bytes'] === undefined ? undefined : packetLimit(values['max-packet-bytes']),
    tlsCert: values['tls-cert'], tlsKey: values['tls-key'], otel: collectorUrl(values.otel, process.env.OTEL_EXPORTER_OTLP_ENDPOINT),
  });
}

function packetLimit(text: string): number {
  const bytes = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(bytes >= 4096 && bytes <= 268_435_455)) throw new WasmhostError('bad-input', `--max-packet-bytes must be 4096–268435455 (MQTT's maximum), got '${text}'`, { data: { usage: true } });
  return bytes;
}

function peerList(text: string): string[] {
  const ids = text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const bad = ids.find((id) => !isPeerId(id));
  if (bad !== undefined) throw new WasmhostError('bad-input', `--page-peers: '${bad}' is not a peer id (1–64 of [A-Za-z0-9_-])`, { data: { usage: true } });
  return ids;
}

function portNumber(text: string, flag: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) throw new WasmhostError('bad-input', `${flag} must be a port number (0–65535; 0 picks a free one), got '${text}'`, { data: { usage: true } });
  return port;
}

/** `wasmhost serve`: the page server and its broker, until SIGINT/SIGTERM. */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  if (options.wfm !== undefined && !/^https?:\/\//.test(options.wfm)) throw new WasmhostError('bad-input', `--wfm must be an http(s) URL, got '${options.wfm}'`, { data: { usage: true } });
  const say = (line: string) => process.stdout.write(`[serve] ${line}\n`);
  if (!options.tlsCert !== !options.tlsKey) throw new WasmhostError('bad-input', '--tls-cert and --tls-key go together', { data: { usage: true } });
  const tls = options.tlsCert && options.tlsKey ? { cert: await readPem(options.tlsCert, '--tls-cert'), key: await readPem(options.tlsKey, '--tls-key') } : undefined;
  const exposed = !isLoopbackAddress(options.host) && options.host !== 'localhost';
  if (exposed && !tls && !options.insecure) {
    throw new WasmhostError('bad-input', `--host ${options.host} exposes serve beyond this machine: give --tls-cert and --tls-key (pages' credentials and the access token travel over it), or --insecure to serve plain http anyway`, { data: { usage: true } });
  }
  const accessToken = await loadAccessToken(options.accessTokenFile);
  const running = await startPageServer({
    tls,
    port: options.port, host: options.host, pageDir: options.pageDir, filesDir: options.files, cacheDir: options.cacheDir,
    credentials: openCredentialStore(options.stateDir), pagePeers: options.pagePeers, accessToken,
    brokerPortFallback: !options.brokerPortGiven, maxPacketBytes: options.maxPacketBytes,
    // Nobody outside this process needs the host role; a random password keeps it closed.
    hostPassword: randomBytes(18).toString('base64url'),
    brokerPort: options.brokerPort, brokerHost: options.brokerHost, wfm: options.wfm, allowInProcess: options.allowInProcess, otel: options.otel,
    log: say,
  });
  say(`listening on ${running.url}`);
  for (const url of openUrls(options.host, running.port, tls ? 'https' : 'http')) say(`open ${url}${isLocalUrl(url) ? '' : `#token=${accessToken}`}`);
  if (exposed && !tls) say('WARNING: plain http beyond loopback (--insecure): credentials and the access token travel unencrypted');
  say(`MQTT: ${running.broker.url} for peers, ${tls ? 'wss' : 'ws'} path ${MQTT_PATH} on the same port for pages (each with its own credential from POST /session)`);
  say(`pages may reach peers: ${options.pagePeers.join(', ') || '(none; --page-peers id,id)'}; credentials in ${options.stateDir}`);
  say(`files: ${running.filesDir} under /files/, ${running.components.size} components under /artifacts/`);
  for (const [digest, path] of running.components) say(`  /artifacts/${digest}/index.json  ${path}`);
  if (options.wfm) say(`fleet manager for the pages: ${options.wfm}`);
  if (options.otel) say(`pages export telemetry to ${options.otel} (OTLP/HTTP; the collector must allow their origin)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  say('stopped');
  return 0;
}

/** The URLs a person opens: each non-internal IPv4 and localhost for a wildcard host, else the host itself. */
export function openUrls(host: string, port: number, scheme: 'http' | 'https' = 'http'): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/`];
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address);
  return [`${scheme}://localhost:${port}/`, ...addresses.map((a) => `${scheme}://${a}:${port}/`)];
}

function isLocalUrl(url: string): boolean {
  return /^https?:\/\/(localhost|127\.[\d.]+|\[::1\])[:/]/.test(url);
}

/** The access token from `file` (created with a random one when missing), or a random one for this run. */
async function loadAccessToken(file: string | undefined): Promise<string> {
  if (!file) return randomBytes(24).toString('base64url');
  const existing = await readFile(file, 'utf8').then((t) => t.trim(), () => undefined);
  if (existing) return existing;
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new WasmhostError('io', `${flag} ${path} cannot be read: ${(error as Error).message}`);
  }
}
