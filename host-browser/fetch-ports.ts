// The browser's HTTP ports over `fetch`. What the browser controls stays with it: TLS trust
// and client certificates (the OS/browser store), CORS (a cross-origin server must allow the
// page's origin and expose the headers the core reads), cookies (only same-origin ones go out).
import { WasmhostError } from '../src/errors.js';
import type { PackageFetcher } from '../src/ports/agent-ports.js';
import type { HttpClient, HttpMethod, HttpRequestInit, HttpResponse } from '../src/ports/http-client.js';

/** Limits of the fetch HTTP client. */
export interface FetchHttpClientOptions {
  /** Give up when no complete response (body included) arrived within this time (default 30 s). */
  timeoutMs?: number;
  /** Refuse a response body larger than this, decoded (default 16 MiB). */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * An HttpClient over `fetch`, with the port's semantics: any status resolves; no response
 * (refused, unreachable, blocked by CORS, timed out, body over `maxBytes`) rejects with a
 * WasmhostError `io` naming the URL. Redirects are not followed (`redirect: 'manual'`); the
 * browser hides a manual redirect's status and Location, so one resolves as status 0 with no
 * headers and an empty body (callers treat it as a non-2xx answer). Header names come
 * lower-cased with repeated headers joined by `, ` (fetch's own form); a cross-origin response
 * shows only the headers its server exposes. The HTTP cache is bypassed (`no-store`).
 */
export function createFetchHttpClient(options: FetchHttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;

  return {
    async request(method: HttpMethod, url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
      const fail = (what: string, cause?: unknown) => new WasmhostError('io', `${method} ${url}: ${what}`, { cause, data: { url } });
      let target: URL;
      try {
        target = new URL(url, globalThis.location?.href);
      } catch (error) {
        throw fail('not a valid URL', error);
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw fail(`unsupported protocol ${target.protocol}`);
      if (init.body && (method === 'GET' || method === 'HEAD')) throw fail('a GET or HEAD request cannot carry a body');

      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const why = (error: unknown) =>
        controller.signal.aborted
          ? fail(`no complete response within ${timeoutMs} ms`, error)
          : fail(`network error (${(error as Error).message}): the server is unreachable, refused the connection, or CORS blocked its answer`, error);
      try {
        const response = await fetch(target, {
          method,
          headers: init.headers,
          body: init.body?.slice(),
          redirect: 'manual',
          cache: 'no-store',
          signal: controller.signal,
        }).catch((error: unknown) => {
          throw why(error);
        });
        if (response.type === 'opaqueredirect') return { status: 0, headers: {}, body: new Uint8Array(0) };
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
        const body = await readBody(response, maxBytes, () => fail(`response body over ${maxBytes} bytes`), why);
        return { status: response.status, headers, body };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Reads a whole body, giving up (and cancelling the stream) past `maxBytes`. */
async function readBody(response: Response, maxBytes: number, tooBig: () => WasmhostError, why: (error: unknown) => WasmhostError): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw why(error);
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(chunk.value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

/**
 * Component packages over `fetch`: `location` is an absolute URL (http, https, data, blob) or
 * relative to `base` (a manifest's URL, or its directory's ending in `/`), itself resolved
 * against the page. A non-2xx answer or no answer rejects with an `io` error naming the URL.
 */
export function createFetchPackageFetcher(): PackageFetcher {
  return {
    async fetch(location, base) {
      let url: URL;
      try {
        url = new URL(location, new URL(base ?? '.', globalThis.location?.href));
      } catch (error) {
        throw new WasmhostError('io', `cannot resolve package location "${location}" against ${base ?? 'the page'}: not a URL`, { cause: error });
      }
      if (!['http:', 'https:', 'data:', 'blob:'].includes(url.protocol)) {
        throw new WasmhostError('io', `cannot fetch package ${url.href}: the browser host fetches http(s), data: and blob: URLs only`);
      }
      const shown = url.protocol === 'data:' ? `${url.href.slice(0, 40)}…` : url.href;
      const response = await fetch(url).catch((error: Error) => {
        throw new WasmhostError('io', `cannot fetch package ${shown}: ${error.message} (unreachable, refused, or blocked by CORS)`, { cause: error, data: { url: shown } });
      });
      if (!response.ok) {
        throw new WasmhostError('io', `cannot fetch package ${shown}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, { data: { url: shown, status: response.status } });
      }
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}
