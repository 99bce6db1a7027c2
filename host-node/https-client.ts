import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { WasmhostError } from '../src/errors.js';
import type { HttpClient, HttpMethod, HttpRequestInit, HttpResponse } from '../src/ports/http-client.js';

/** TLS and limits of the Node HTTP client. PEM values are file contents, not paths. */
export interface NodeHttpClientOptions {
  /** Trust anchors for the server's certificate (replace the system CAs when given). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain, presented for mutual TLS. */
  cert?: string | Buffer;
  /** The client certificate's private key. */
  key?: string | Buffer;
  /** Give up when no complete response arrived within this time (default 30 s). */
  timeoutMs?: number;
  /** Refuse a response body larger than this, decoded (default 16 MiB). */
  maxBodyBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/**
 * An HttpClient over node:http and node:https. `https:` URLs use the given CA and, for mTLS,
 * the client certificate and key; `http:` URLs ignore them. Bodies with a gzip, deflate or
 * br `content-encoding` are decoded. Each client owns its own agent (no shared global state).
 */
export function createNodeHttpClient(options: NodeHttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const httpsAgent = new https.Agent({ ca: options.ca, cert: options.cert, key: options.key, keepAlive: false });
  const httpAgent = new http.Agent({ keepAlive: false });

  return {
    request(method: HttpMethod, url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
      const fail = (what: string, cause?: unknown) =>
        new WasmhostError('io', `${method} ${url}: ${what}`, { cause, data: { url } });
      let target: URL;
      try {
        target = new URL(url);
      } catch (error) {
        return Promise.reject(fail('not a valid URL', error));
      }
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') return Promise.reject(fail(`unsupported protocol ${target.protocol}`));

      return new Promise<HttpResponse>((resolve, reject) => {
        const headers: Record<string, string | number> = { ...init.headers };
        if (init.body) headers['content-length'] = init.body.byteLength;
        const send = secure ? https.request : http.request;
        const req = send(target, { method, headers, agent: secure ? httpsAgent : httpAgent }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBody) req.destroy(fail(`response body over ${maxBody} bytes`));
            else chunks.push(chunk);
          });
          res.on('error', (error) => reject(fail(error.message, error)));
          res.on('end', () => {
            try {
              const body = decode(res.headers['content-encoding'], Buffer.concat(chunks));
              if (body.length > maxBody) throw new Error(`decoded body over ${maxBody} bytes`);
              resolve({ status: res.statusCode ?? 0, headers: flatten(res.headers), body: new Uint8Array(body) });
            } catch (error) {
              reject(fail(`cannot decode the body: ${(error as Error).message}`, error));
            }
          });
        });
        req.setTimeout(timeoutMs, () => req.destroy(fail(`no response within ${timeoutMs} ms`)));
        req.on('error', (error) => reject(error instanceof WasmhostError ? error : fail(describe(error), error)));
        req.end(init.body);
      });
    },
  };
}

function decode(encoding: string | undefined, body: Buffer): Buffer {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity': return body;
    case 'gzip': case 'x-gzip': return gunzipSync(body);
    case 'deflate': return inflateSync(body);
    case 'br': return brotliDecompressSync(body);
    default: throw new Error(`unsupported content-encoding ${encoding}`);
  }
}

function flatten(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Node's error text plus its code, which says most (ECONNREFUSED, ECONNRESET, ERR_SSL_…). */
function describe(error: Error & { code?: string; reason?: string }): string {
  // OpenSSL errors carry a readable `reason` ("tlsv13 alert certificate required") beside a raw message.
  const text = typeof error.reason === 'string' && error.code?.startsWith('ERR_SSL') ? `TLS: ${error.reason}` : error.message;
  return error.code && !text.includes(error.code) ? `${text} (${error.code})` : text;
}
