// The Node agent's console on loopback (`wasmhost agent --console-port`): the browser host's
// console page (console.html and its bundle from dist/host-browser), the agent's snapshot at
// /api/snapshot, and one action, POST /api/deployments/<id>/restart. Built files only, and only
// for a Host header naming loopback, so a web page elsewhere cannot reach the device through DNS
// rebinding; the action also needs the console's own header and origin, which a cross-site form
// or fetch cannot send without a CORS preflight this server never grants.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleSnapshot } from '../src/device/console-snapshot.js';
import { WasmhostError } from '../src/errors.js';

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json' };
/** A file of the bundle: one name, no directories. */
const FILE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.(js|css|map)$/;
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

export interface ConsoleServer { url: string; server: Server; close(): Promise<void> }

/** What the console may do: restart a deployment (answering what the console should say). */
export interface ConsoleActions { restart(id: string): Promise<string> }

/** The header the console page sends with an action (a custom header forces a CORS preflight elsewhere). */
export const CONSOLE_ACTION_HEADER = 'x-wasmhost-console';
const RESTART_PATH = /^\/api\/deployments\/([A-Za-z0-9._-]{1,253})\/restart$/;

/** Serves the console of `snapshot` on 127.0.0.1:`port` (0: a free one). */
export async function startConsoleServer(snapshot: () => ConsoleSnapshot, port = 0, actions?: ConsoleActions, pageDir = defaultPageDir()): Promise<ConsoleServer> {
  const dir = resolve(pageDir);
  const html = await readFile(join(dir, 'console.html')).catch(() => {
    throw new WasmhostError('io', `the console page is not built: ${join(dir, 'console.html')} is missing; run \`npm run build\` in the wasmhost package`);
  });
  const server = createServer((req, res) => void handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `console: ${error instanceof Error ? error.message : String(error)}`);
    else res.destroy();
  }));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'");
    res.setHeader('Cache-Control', 'no-store');
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return send(res, 421, 'text/plain; charset=utf-8', 'the console answers only requests for 127.0.0.1, localhost or [::1]');
    const path = new URL(req.url ?? '/', 'http://console').pathname;
    const restart = RESTART_PATH.exec(path);
    if (req.method === 'POST' && restart && actions) {
      req.resume();
      const origin = req.headers.origin;
      if (req.headers[CONSOLE_ACTION_HEADER] !== '1' || (origin !== undefined && origin !== `http://${req.headers.host}`)) {
        return send(res, 403, 'text/plain; charset=utf-8', 'an action must come from the console page itself');
      }
      try {
        return send(res, 200, 'application/json', JSON.stringify({ message: await actions.restart(restart[1]!) }));
      } catch (error) {
        return send(res, 404, 'application/json', JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', `${req.method} ${path} is not served: the console reads, and restarts a deployment with POST /api/deployments/<id>/restart`);
    }
    if (path === '/') return send(res, 200, TYPES.html, html, req.method === 'HEAD');
    if (path === '/api/snapshot') return send(res, 200, 'application/json', JSON.stringify(snapshot()), req.method === 'HEAD');
    const name = path.slice(1);
    if (!FILE_NAME.test(name)) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    const body = await readFile(join(dir, name)).catch(() => undefined);
    if (!body) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
    return send(res, 200, TYPES[name.split('.').pop()!]!, body, req.method === 'HEAD');
  }

  await new Promise<void>((done, fail) => server.once('error', fail).listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    server,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headOnly = false): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

/** dist/host-browser/ of this package, from dist/host-node/ (built) or host-node/ (sources, tests). */
function defaultPageDir(): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.endsWith('.ts') ? '../dist/host-browser/' : '../host-browser/', here));
}
