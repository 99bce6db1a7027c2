// An HTTP server on 127.0.0.1 for tests, with the answers an attacker would give: an endless
// body, a slow-loris trickle, a gzip bomb, beside ordinary files. It counts what it managed to
// send, so a test can show the client stopped reading.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** What a route did: requests seen, bytes written, connections the client closed early. */
export interface RouteStats { requests: number; bytesWritten: number; closedEarly: number }

export type Route = (req: IncomingMessage, res: ServerResponse, stats: RouteStats) => void;

export interface HostileServer {
  url: string;
  routes: Map<string, Route>;
  stats(path: string): RouteStats;
  close(): Promise<void>;
}

export async function startHostileServer(routes: Record<string, Route> = {}): Promise<HostileServer> {
  const table = new Map(Object.entries(routes));
  const stats = new Map<string, RouteStats>();
  const statsOf = (path: string) => stats.get(path) ?? (stats.set(path, { requests: 0, bytesWritten: 0, closedEarly: 0 }), stats.get(path)!);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const s = statsOf(path);
    s.requests++;
    res.on('close', () => { if (!res.writableFinished) s.closedEarly++; });
    const route = table.get(path);
    if (!route) return void res.writeHead(404).end('no route');
    route(req, res, s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routes: table,
    stats: statsOf,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Serves fixed bytes. */
export function bytesRoute(body: Uint8Array, headers: Record<string, string> = {}): Route {
  return (_req, res, s) => {
    res.writeHead(200, { 'content-length': body.length, ...headers });
    s.bytesWritten += body.length;
    res.end(body);
  };
}

/** Zeros for ever (like /dev/zero), as fast as the client reads; no content-length. */
export function endlessRoute(): Route {
  const chunk = Buffer.alloc(64 * 1024);
  return (_req, res, s) => {
    res.writeHead(200, { 'content-type': 'application/wasm' });
    const pump = () => {
      while (!res.destroyed) {
        s.bytesWritten += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  };
}

/** Headers at once, then one byte a second, never finishing (a slow-loris server). */
export function slowLorisRoute(): Route {
  return (_req, res, s) => {
    res.writeHead(200, { 'content-length': 1_000_000, 'content-type': 'application/json' });
    const timer = setInterval(() => {
      s.bytesWritten++;
      res.write('{');
    }, 1000);
    res.on('close', () => clearInterval(timer));
  };
}

/** About 1 MiB of gzip that decodes to 1 GiB of zeros (16 gzip members of 64 MiB each). */
export function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 16 }, () => member));
}

/** Serves a gzip bomb with `content-encoding: gzip`. */
export function gzipBombRoute(bomb = gzipBomb()): Route {
  return bytesRoute(bomb, { 'content-encoding': 'gzip' });
}
