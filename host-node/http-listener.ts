// A node:http listener in front of HTTP workloads: reads each request body up to its route's
// cap (413 past it, while it streams in), admits a bounded number of requests per route (503
// past it), hands the plain request to the route's handler and writes the plain answer back.
// With a certificate and key it serves HTTPS (the request's scheme is then `https`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { failureResponse, textResponse } from '../src/runtime/http-limits.js';
import type { HttpRequestData, HttpResponseData } from '../src/runtime/http-types.js';
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
    void answer(req, target).catch(failureResponse).then((response) => send(res, response)).finally(() => admitted.set(target, (admitted.get(target) ?? 1) - 1));
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createServer(onRequest);
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

async function answer(req: IncomingMessage, route: HttpRoute): Promise<HttpResponseData> {
  const body = await readBody(req, route.limits.maxBodyBytes);
  if (!body) return textResponse(413, `the request body is larger than ${route.name}'s limit of ${route.limits.maxBodyBytes} bytes`);
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
  const request: HttpRequestData = {
    method: req.method ?? 'GET',
    pathWithQuery: req.url ?? '/',
    scheme: 'encrypted' in req.socket ? 'https' : 'http',
    authority: req.headers.host ?? '',
    headers,
    body,
  };
  return route.handle(request).catch(failureResponse);
}

/** The whole body, or undefined once it passes `cap` (declared or streamed); the rest is not read. */
function readBody(req: IncomingMessage, cap: number): Promise<Uint8Array | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > cap) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

function send(res: ServerResponse, response: HttpResponseData): void {
  if (res.headersSent) return;
  try {
    for (const [name, value] of response.headers) if (!HOP_BY_HOP.has(name)) res.appendHeader(name, value);
  } catch {
    // Headers the guest built are checked in the worker; should one still be refused here, answer 502, never crash.
    res.removeHeader('content-type');
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 502;
    res.end('the handler answered with a header node:http refuses\n');
    return;
  }
  res.setHeader('content-length', response.body.length);
  // A body cut off at its cap was not read to the end: close the connection after answering.
  if (response.status === 413) res.setHeader('connection', 'close');
  res.statusCode = response.status;
  res.end(response.body);
}
