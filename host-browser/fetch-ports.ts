// The browser's HTTP ports over `fetch`. What the browser controls stays with it: TLS trust
// and client certificates (the OS/browser store), CORS (a cross-origin server must allow the
// page's origin and expose the headers the core reads), cookies (only same-origin ones go out).
import { WasmhostError } from '../src/errors.js';
import type { PackageFetcher } from '../src/ports/agent-ports.js';
import {
  HTTP_DEFAULT_MAX_BYTES, HTTP_DEFAULT_TIMEOUT_MS, type HttpClient, type HttpMethod, type HttpRequestInit, type HttpResponse,
} from '../src/ports/http-client.js';
import { PACKAGE_MAX_BYTES, PACKAGE_TIMEOUT_MS } from '../src/deploy/fetch-budgets.js';

/** Budgets of the fetch HTTP client (ceilings: a request may only ask for less). */
export interface FetchHttpClientOptions {
  /** Give up when no complete response (body included) arrived within this time (default 30 s). */
  timeoutMs?: number;
  /** Refuse a response body larger than this, decoded (default 16 MiB). */
  maxBytes?: number;
  /** URL schemes fetched (default `http:` and `https:`; the package fetcher adds `data:` and `blob:`). */
  protocols?: readonly string[];
}

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
  return {
    async request(method: HttpMethod, url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
      const timeoutMs = Math.min(init.timeoutMs ?? Infinity, options.timeoutMs ?? HTTP_DEFAULT_TIMEOUT_MS);
      const maxBytes = Math.min(init.maxBytes ?? Infinity, options.maxBytes ?? HTTP_DEFAULT_MAX_BYTES);
      const fail = (what: string, cause?: unknown, reason?: string) =>
        new WasmhostError('io', `${method} ${url}: ${what}`, { cause, data: reason ? { url, reason } : { url } });
      let target: URL;
      try {
        target = new URL(url, globalThis.location?.href);
      } catch (error) {
        throw fail('not a valid URL', error);
      }
      if (!(options.protocols ?? ['http:', 'https:']).includes(target.protocol)) throw fail(`unsupported protocol ${target.protocol}`);
      if (init.body && (method === 'GET' || method === 'HEAD')) throw fail('a GET or HEAD request cannot carry a body');

      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onAbort = () => controller.abort();
      init.signal?.addEventListener('abort', onAbort);
      if (init.signal?.aborted) controller.abort();
      const why = (error: unknown) =>
        timedOut ? fail(`no complete response within ${timeoutMs} ms`, error, 'timeout')
          : controller.signal.aborted ? fail('aborted', error, 'aborted')
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
        const declared = response.headers.get('content-encoding') ? undefined : Number(response.headers.get('content-length') ?? NaN);
        const progress = init.onProgress && ((n: number) => init.onProgress!(n, Number.isFinite(declared) ? declared : undefined));
        const body = await readBody(response, maxBytes, () => fail(`response body over ${maxBytes} bytes; refused`, undefined, 'too-large'), why, progress);
        return { status: response.status, headers, body };
      } finally {
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** Reads a whole body, giving up (and cancelling the stream) past `maxBytes`. */
async function readBody(response: Response, maxBytes: number, tooBig: () => WasmhostError, why: (error: unknown) => WasmhostError, onProgress?: (received: number) => void): Promise<Uint8Array> {
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
    onProgress?.(size);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

const PACKAGE_PROTOCOLS = ['http:', 'https:', 'data:', 'blob:'];

/**
 * Component packages over `fetch`: `location` is an absolute URL (http, https, data, blob) or
 * relative to `base` (a manifest's URL, or its directory's ending in `/`), itself resolved
 * against the page. Each fetch has the package budgets (a total deadline and a byte cap,
 * enforced while the body streams) and stops when the agent aborts it. A non-2xx answer or
 * no answer rejects with an `io` error naming the URL, never echoing the body.
 */
export function createFetchPackageFetcher(options: FetchHttpClientOptions = {}): PackageFetcher {
  const http = createFetchHttpClient({
    timeoutMs: options.timeoutMs ?? PACKAGE_TIMEOUT_MS, maxBytes: options.maxBytes ?? PACKAGE_MAX_BYTES, protocols: PACKAGE_PROTOCOLS,
  });
  return {
    async fetch(location, base, init) {
      let url: URL;
      try {
        url = new URL(location, new URL(base ?? '.', globalThis.location?.href));
      } catch (error) {
        throw new WasmhostError('io', `cannot resolve package location "${location}" against ${base ?? 'the page'}: not a URL`, { cause: error });
      }
      if (!PACKAGE_PROTOCOLS.includes(url.protocol)) {
        throw new WasmhostError('io', `cannot fetch package ${url.href}: the browser host fetches http(s), data: and blob: URLs only`);
      }
      const shown = url.protocol === 'data:' ? `${url.href.slice(0, 40)}…` : url.href;
      const response = await http.request('GET', url.href, { signal: init?.signal, onProgress: init?.onProgress }).catch((error: WasmhostError) => {
        throw new WasmhostError('io', `cannot fetch package ${shown}: ${error.message.replace(`GET ${url.href}: `, '')}`, { cause: error, data: { ...(error.data as object), url: shown } });
      });
      if (response.status < 200 || response.status > 299) {
        throw new WasmhostError('io', `cannot fetch package ${shown}: HTTP ${response.status}`, { data: { url: shown, status: response.status } });
      }
      return response.body;
    },
  };
}
