import http from 'node:http';
import https from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { WasmhostError } from '../src/errors.js';
import {
  HTTP_DEFAULT_MAX_BYTES, HTTP_DEFAULT_TIMEOUT_MS, type HttpClient, type HttpMethod, type HttpRequestInit, type HttpResponse,
} from '../src/ports/http-client.js';
import type { TlsMaterial, TlsSource } from './tls-files.js';
import { tlsFailureHint } from './tls-errors.js';

/** TLS and budgets of the Node HTTP client. PEM values are file contents, not paths. */
export interface NodeHttpClientOptions {
  /** Trust anchors for the server's certificate (replace the system CAs when given). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain, presented for mutual TLS. */
  cert?: string | Buffer;
  /** The client certificate's private key. */
  key?: string | Buffer;
  /** Asked before every https request instead of `ca`/`cert`/`key`: rotated files apply to the next connection. */
  tls?: TlsSource;
  /** Lowest TLS version accepted (Node's default, TLS 1.2, when absent). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Replaces the host name check of the server's certificate (e.g. a SPIFFE ID check); returns an Error to refuse. */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  /** Total deadline per request, body included (30 s); a request may only ask for less. */
  timeoutMs?: number;
  /** Cap on a response body, received and decoded (16 MiB); a request may only ask for less. */
  maxBodyBytes?: number;
}

/**
 * An HttpClient over node:http and node:https. `https:` URLs use the given CA and, for mTLS,
 * the client certificate and key; `http:` URLs ignore them. Bodies with a gzip, deflate or
 * br `content-encoding` are decoded while they stream, and the cap counts both the bytes
 * received and the bytes decoded, so neither an endless body nor a compression bomb grows
 * memory past it. The deadline covers the whole exchange (a slow-loris server trickling one
 * byte a second is cut off at it). Each client owns its own agent (no shared global state).
 */
export function createNodeHttpClient(options: NodeHttpClientOptions = {}): HttpClient {
  const httpAgent = new http.Agent({ keepAlive: false });
  const fixed: Pick<NodeHttpClientOptions, 'ca' | 'cert' | 'key'> = { ca: options.ca, cert: options.cert, key: options.key };
  let current: { material: TlsMaterial | typeof fixed; agent: https.Agent } | undefined;
  /**
   * The https agent for the material of now: a new one when the material changed, so that no
   * TLS session made with the old certificate or trust bundle is resumed (a resumed session
   * skips both the certificate exchange and the server identity check).
   */
  const httpsAgent = async (): Promise<https.Agent> => {
    const material = options.tls ? await options.tls.current() : fixed;
    if (current?.material !== material) {
      // Only the keys given: an explicit `checkServerIdentity: undefined` would replace Node's default check.
      const { minVersion, checkServerIdentity } = options;
      const tls = Object.fromEntries(Object.entries({ ...material, minVersion, checkServerIdentity }).filter(([, v]) => v !== undefined));
      current = { material, agent: new https.Agent({ ...tls, keepAlive: false }) };
    }
    return current.agent;
  };

  return {
    request(method: HttpMethod, url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
      const timeoutMs = Math.min(init.timeoutMs ?? Infinity, options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS);
      const maxBytes = Math.min(init.maxBytes ?? Infinity, options.maxBodyBytes ?? HTTP_DEFAULT_MAX_BYTES);
      const fail = (what: string, cause?: unknown, reason?: string) =>
        new WasmhostError('io', `${method} ${url}: ${what}`, { cause, data: reason ? { url, reason } : { url } });
      let target: URL;
      try {
        target = new URL(url);
      } catch (error) {
        return Promise.reject(fail('not a valid URL', error));
      }
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') return Promise.reject(fail(`unsupported protocol ${target.protocol}`));
      if (init.signal?.aborted) return Promise.reject(fail('aborted', undefined, 'aborted'));
      const agent = secure ? httpsAgent() : Promise.resolve(httpAgent);

      return agent.then((agent) => new Promise<HttpResponse>((resolve, reject) => {
        let settled = false;
        const finish = (error: WasmhostError | undefined, response?: HttpResponse) => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          init.signal?.removeEventListener('abort', onAbort);
          if (error) {
            req.destroy();
            decoder?.destroy();
            reject(error);
          } else resolve(response!);
        };
        const onAbort = () => finish(fail('aborted', undefined, 'aborted'));
        const deadline = setTimeout(() => finish(fail(`no complete response within ${timeoutMs} ms`, undefined, 'timeout')), timeoutMs);
        const tooLarge = (what: string) => finish(fail(`response body over ${maxBytes} bytes${what}; refused`, undefined, 'too-large'));
        let decoder: Transform | undefined;
        init.signal?.addEventListener('abort', onAbort);

        const headers: Record<string, string | number> = { ...init.headers };
        if (init.body) headers['content-length'] = init.body.byteLength;
        const send = secure ? https.request : http.request;
        const req = send(target, { method, headers, agent }, (res) => {
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(` (content-length ${declared})`);
          try {
            decoder = decoderFor(res.headers['content-encoding']);
          } catch (error) {
            return finish(fail(`cannot decode the body: ${(error as Error).message}`, error));
          }
          const chunks: Buffer[] = [];
          let received = 0;
          let decoded = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > maxBytes) tooLarge('');
          });
          res.on('error', (error) => finish(fail(error.message, error)));
          const body = decoder ? res.pipe(decoder) : res;
          body.on('data', (chunk: Buffer) => {
            decoded += chunk.length;
            if (decoded > maxBytes) tooLarge(decoder ? ' once decoded' : '');
            else {
              chunks.push(chunk);
              init.onChunk?.(chunk);
              init.onProgress?.(decoded, decoder || !Number.isFinite(declared) ? undefined : declared);
            }
          });
          body.on('error', (error: Error) => finish(fail(`cannot decode the body: ${error.message}`, error)));
          body.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: flatten(res.headers), body: new Uint8Array(Buffer.concat(chunks)) }));
        });
        req.on('error', (error) => {
          // A refusal by checkServerIdentity (a SPIFFE ID check) arrives as the error it returned.
          if (error instanceof WasmhostError && error.code === 'denied') {
            finish(new WasmhostError('denied', `${method} ${url}: TLS refused: ${error.message}`, { cause: error, data: { url, reason: 'identity' } }));
          } else finish(error instanceof WasmhostError ? error : fail(describe(error, options.minVersion), error));
        });
        req.end(init.body);
      }));
    },
  };
}

/** A streaming decoder for a `content-encoding`, or undefined for none. */
function decoderFor(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity': case '': return undefined;
    case 'gzip': case 'x-gzip': return createGunzip();
    case 'deflate': return createInflate();
    case 'br': return createBrotliDecompress();
    default: throw new Error(`unsupported content-encoding ${JSON.stringify(encoding).slice(0, 40)}`);
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
function describe(error: Error & { code?: string; reason?: string }, minVersion?: string): string {
  // OpenSSL errors carry a readable `reason` ("tlsv13 alert certificate required") beside a raw message.
  const text = typeof error.reason === 'string' && error.code?.startsWith('ERR_SSL') ? `TLS: ${error.reason}` : error.message;
  // OpenSSL's raw text names its source file and line; its reason ("tlsv1 alert protocol version") is what matters.
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(text)?.[1];
  const detail = reason ? `TLS: ${reason} (${error.code})` : error.code && !text.includes(error.code) ? `${text} (${error.code})` : text;
  const hint = tlsFailureHint(error, minVersion);
  return hint ? `TLS refused: ${hint} (${detail})` : detail;
}
