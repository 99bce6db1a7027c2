// `wasmhost serve`: the browser host page, its artifacts and the embedded broker on one port
// (host-node/page-server.ts), until SIGINT/SIGTERM. Its own flags, apart from the other commands'.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { WasmhostError } from '../../src/errors.js';
import { BROWSER_USERNAME } from '../../src/bridge/acl.js';
import { MQTT_PATH, startPageServer } from '../page-server.js';
import { defaultCacheDir } from '../node-host.js';

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
  /** The browser role's broker password (default: random per run). */
  browserToken?: string;
  /** PEM files: serve https and wss (browsers on other machines need a secure context). */
  tlsCert?: string;
  tlsKey?: string;
}

/** The synopsis line and the paragraph of `wasmhost --help`. */
export const SERVE_USAGE = `wasmhost serve [--port 8080] [--host 0.0.0.0] [--files <dir>] [--broker-port 1883] [--broker-host 127.0.0.1]
                 [--wfm <url>] [--browser-token <t>] [--tls-cert cert.pem --tls-key key.pem] [--cache-dir <dir>] [--page-dir <dir>]`;

export const SERVE_HELP = `Serve: turns every browser that opens the printed URL into a browser device. Serves the browser
host page (dist/host-browser/, cross-origin isolated), /config.json (broker path, the browser role's
token, --wfm), --files (default: the package's examples/) under /files/ and its components
pre-transpiled under /artifacts/<digest>/, and an embedded MQTT broker: over WebSocket at /mqtt on
the same port for the pages (user ${BROWSER_USERNAME}, password: --browser-token, random per run), and over
TCP on --broker-host:--broker-port for embedded peers. --broker-host is 127.0.0.1 by default, since
peers authenticate by id alone: use --broker-host 0.0.0.0 to let peers on the network in.
Browsers give SharedArrayBuffer and crypto.subtle only to secure contexts: http://localhost works;
for browsers on other machines serve https (and wss) with --tls-cert and --tls-key (PEM files whose
certificate those browsers trust), or put a TLS proxy in front.`;

/** Parses the serve arguments and runs it. */
export async function serveMain(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '0.0.0.0' },
        files: { type: 'string' },
        'page-dir': { type: 'string' },
        'cache-dir': { type: 'string' },
        'broker-port': { type: 'string', default: '1883' },
        'broker-host': { type: 'string', default: '127.0.0.1' },
        wfm: { type: 'string' },
        'browser-token': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new WasmhostError('bad-input', `${(error as Error).message}\n\nUsage: ${SERVE_USAGE}`, { data: { usage: true } });
  }
  return serveCommand({
    port: portNumber(values.port, '--port'), host: values.host, files: values.files, pageDir: values['page-dir'],
    cacheDir: values['cache-dir'] ?? defaultCacheDir(), brokerPort: portNumber(values['broker-port'], '--broker-port'),
    brokerHost: values['broker-host'], wfm: values.wfm, browserToken: values['browser-token'],
    tlsCert: values['tls-cert'], tlsKey: values['tls-key'],
  });
}

function portNumber(text: string, flag: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) throw new WasmhostError('bad-input', `${flag} must be a port number (0–65535; 0 picks a free one), got '${text}'`, { data: { usage: true } });
  return port;
}

/** `wasmhost serve`: the page server and its broker, until SIGINT/SIGTERM. */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  if (options.browserToken === '') throw new WasmhostError('bad-input', '--browser-token must not be empty', { data: { usage: true } });
  if (options.wfm !== undefined && !/^https?:\/\//.test(options.wfm)) throw new WasmhostError('bad-input', `--wfm must be an http(s) URL, got '${options.wfm}'`, { data: { usage: true } });
  const say = (line: string) => process.stdout.write(`[serve] ${line}\n`);
  if (!options.tlsCert !== !options.tlsKey) throw new WasmhostError('bad-input', '--tls-cert and --tls-key go together', { data: { usage: true } });
  const tls = options.tlsCert && options.tlsKey ? { cert: await readPem(options.tlsCert, '--tls-cert'), key: await readPem(options.tlsKey, '--tls-key') } : undefined;
  const running = await startPageServer({
    tls,
    port: options.port, host: options.host, pageDir: options.pageDir, filesDir: options.files, cacheDir: options.cacheDir,
    browserToken: options.browserToken ?? randomBytes(18).toString('base64url'),
    // Nobody outside this process needs the host role; a random password keeps it closed.
    hostPassword: randomBytes(18).toString('base64url'),
    brokerPort: options.brokerPort, brokerHost: options.brokerHost, wfm: options.wfm,
    log: say,
  });
  say(`listening on ${running.url}`);
  for (const url of openUrls(options.host, running.port, tls ? 'https' : 'http')) say(`open ${url}`);
  say(`MQTT: ${running.broker.url} for peers, ${tls ? 'wss' : 'ws'} path ${MQTT_PATH} on the same port for browsers (user ${BROWSER_USERNAME})`);
  say(`files: ${running.filesDir} under /files/, ${running.components.size} components under /artifacts/`);
  for (const [digest, path] of running.components) say(`  /artifacts/${digest}/index.json  ${path}`);
  if (options.wfm) say(`fleet manager for the pages: ${options.wfm}`);
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

async function readPem(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new WasmhostError('io', `${flag} ${path} cannot be read: ${(error as Error).message}`);
  }
}
