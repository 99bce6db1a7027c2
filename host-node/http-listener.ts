// A node:http listener in front of HTTP workloads: admits a bounded number of requests per route
// (503 past it) and hands each to the route's handler with an exchange (http-stream.ts): the
// request body is read chunk by chunk as the handler asks, up to the route's cap (413 past it,
// while it streams in), and the response's head and chunks are written as the handler sends them.
// With a certificate and key it serves HTTPS (the request's scheme is then `https`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failureResponse, textResponse } from '../src/runtime/http-limits.js';
import type { HttpRequestData, HttpResponseData } from '../src/runtime/http-types.js';
import type { HttpExchange } from '../src/runtime/http-stream.js';
import type { HttpRoute } from '../src/runtime/http-router.js';

export type { HttpRoute };

/** A listening server and how to stop it. */
export interface HttpListener {
  server: Server;
  /** `http://127.0.0.1:port`. */
  url: string;
  close(): Promise<void>;
}

/** PEM contents (not paths) of the listener's certificate chain and key: it serves HTTPS. */
export interface ListenerTls { cert: Buffer | string; key: Buffer | string }

/** Starts listening; `route` picks the workload for a request (undefined: 404). */
export async function listenHttp(host: string, port: number, route: (path: string, host: string | undefined) => HttpRoute | undefined, tls?: ListenerTls): Promise<HttpListener> {
  const admitted = new Map<HttpRoute, number>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const target = route(req.url ?? '/', req.headers.host);
    if (!target) return send(res, textResponse(404, `no HTTP workload serves ${req.url ?? '/'}`));
    const count = admitted.get(target) ?? 0;
    if (count >= target.limits.maxConcurrent) {
      req.resume();
      return send(res, textResponse(503, `${target.name} is answering ${count} requests already (limit ${target.limits.maxConcurrent}); retry shortly`, [['retry-after', '1']]));
    }
    admitted.set(target, count + 1);
    void answer(req, res, target).catch(failureResponse).then((response) => send(res, response)).finally(() => admitted.set(target, (admitted.get(target) ?? 1) - 1));
  };
  // node:https loads only for an HTTPS listener.
  const server: Server = tls ? (await import('node:https')).createServer({ cert: tls.cert, key: tls.key }, onRequest) : createServer(onRequest);
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Serves one request with streamed bodies (the exchange); resolves with what is left to send. */
async function answer(req: IncomingMessage, res: ServerResponse, route: HttpRoute): Promise<HttpResponseData> {
  const cap = route.limits.maxBodyBytes;
  if (Number(req.headers['content-length'] ?? 0) > cap) return tooLarge(route);
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
  // Past the cap, what the handler writes is not sent: a 413 if the head is not out yet, else the
  // connection is cut, so the client never takes a truncated answer for a whole one.
  const body = hasBody(req) ? bodyReader(req, cap, () => { if (res.headersSent) res.destroy(); }) : noBody(req);
  const open = () => !res.destroyed && !res.writableEnded && !body.tooLarge();
  const exchange: HttpExchange = {
    read: body.read,
    // The head comes with the first chunk and goes out with it; the handler's return ends the response (send).
    write: (chunk, head) => {
      if (open() && (!head || startResponse(res, head[0], head[1]))) res.write(chunk);
    },
  };
  const request: HttpRequestData & { exchange: HttpExchange } = {
    method: req.method ?? 'GET',
    pathWithQuery: req.url ?? '/',
    scheme: 'encrypted' in req.socket ? 'https' : 'http',
    authority: req.headers.host ?? '',
    headers,
    body: new Uint8Array(0),
    bodyless: !hasBody(req),
    exchange,
  };
  const response = await route.handle(request).catch(failureResponse);
  const result = body.tooLarge() ? tooLarge(route) : response;
  // A head set but not sent yet (nothing written): a failure or a 413 replaces it whole.
  if (!result.streamed && !res.headersSent) for (const name of res.getHeaderNames()) res.removeHeader(name);
  return result;
}

function tooLarge(route: HttpRoute): HttpResponseData {
  return textResponse(413, `the request body is larger than ${route.name}'s limit of ${route.limits.maxBodyBytes} bytes`);
}

/** Whether the request has a body at all (RFC 9112 §6.3: a length or a transfer coding). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** An empty body: read at once, with no wait for the request's end (the handler of a GET never waits on the network). */
function noBody(req: IncomingMessage): ReturnType<typeof bodyReader> {
  req.resume();
  return { tooLarge: () => false, read: async () => undefined };
}

/**
 * The request body chunk by chunk as the handler asks for it (paused in between, so a slow
 * handler slows the client down); past `cap` bytes a read is refused and the rest not read.
 */
function bodyReader(req: IncomingMessage, cap: number, onOver: () => void) {
  let size = 0;
  let over = false;
  const next = () => new Promise<void>((resolve) => {
    const done = () => {
      for (const event of ['readable', 'end', 'error', 'close']) req.off(event, done);
      resolve();
    };
    for (const event of ['readable', 'end', 'error', 'close']) req.once(event, done);
  });
  return {
    tooLarge: () => over,
    async read(): Promise<Uint8Array | undefined> {
      for (;;) {
        if (over) throw new Error(`the request body passed its limit of ${cap} bytes`);
        const chunk = req.read() as Buffer | null;
        if (chunk) {
          size += chunk.length;
          if (size > cap) {
            over = true;
            onOver();
            continue;
          }
          return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
        }
        if (req.readableEnded) return undefined;
        if (req.destroyed || req.errored) throw new Error('the client closed the request before its body ended');
        await next();
      }
    },
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

/** Writes the head; a header node:http refuses answers 502 instead (checked in the worker, so this is a last guard). */
function startResponse(res: ServerResponse, status: number, headers: [string, string][], length?: number): boolean {
  if (res.headersSent || res.destroyed) return false;
  try {
    for (const [name, value] of headers) if (!HOP_BY_HOP.has(name)) res.appendHeader(name, value);
  } catch {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 502;
    res.end('the handler answered with a header node:http refuses\n');
    return false;
  }
  if (length !== undefined) res.setHeader('content-length', length);
  res.statusCode = status;
  return true;
}

function send(res: ServerResponse, response: HttpResponseData): void {
  if (response.streamed) {
    if (!res.writableEnded && !res.destroyed) end(res, response.trailers);
    return;
  }
  // A failure after the head went out: the client must see the body cut off, not a short success.
  if (res.headersSent) {
    if (!res.writableEnded) res.destroy();
    return;
  }
  // A body cut off at its cap was not read to the end: close the connection after answering.
  if (response.status === 413) res.setHeader('connection', 'close');
  // Trailers need chunked encoding: no content-length then.
  if (!startResponse(res, response.status, response.headers, response.trailers ? undefined : response.body.length)) return;
  if (response.trailers) res.write(response.body);
  end(res, response.trailers, response.trailers ? undefined : response.body);
}

/** Ends the response, with the handler's trailers if any (one node:http refuses is dropped, never a crash). */
function end(res: ServerResponse, trailers: [string, string][] | undefined, body?: Uint8Array): void {
  if (trailers?.length) {
    try {
      res.addTrailers(trailers.filter(([name]) => !HOP_BY_HOP.has(name)));
    } catch {
      // Checked in the worker already (token names, no CR/LF); this is a last guard.
    }
  }
  res.end(body);
}
