// The HTTP client port: what the core needs to talk to a fleet manager or fetch a URL.
// Adapters own the transport: TLS trust anchors, client certificates (mTLS), proxies and
// content decoding are configured when the adapter is built, never here. Budgets (a total
// deadline and a byte cap) are ceilings set on the adapter; each request may only tighten them.

/** Request methods the core uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Tells a request to give up early; a web `AbortSignal` satisfies it. */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Optional parts of a request. */
export interface HttpRequestInit {
  /** Header names in any case; the adapter sends them as given. */
  headers?: Record<string, string>;
  /** The exact body bytes; the caller sets `content-type`. */
  body?: Uint8Array;
  /** Total deadline for the whole exchange, body included (not an idle timeout). */
  timeoutMs?: number;
  /**
   * Cap on the response body, enforced while it streams in: on the bytes received and on the
   * bytes decoded from a `content-encoding`, so a compressed bomb is never decoded past it.
   */
  maxBytes?: number;
  /** Aborts the request (a newer desired state, a shutdown). */
  signal?: CancelSignal;
  /**
   * Receives each body chunk (decoded) as it arrives, also when the exchange later fails: a
   * caller can then continue a cut download with a Range request. Optional for adapters.
   */
  onChunk?: (chunk: Uint8Array) => void;
  /**
   * Told the body bytes received so far (decoded) and the total the server declared, if it
   * did, as they arrive: for a download's progress line. Optional for adapters.
   */
  onProgress?: (received: number, total: number | undefined) => void;
}

/** A response as it arrived: any status, 4xx and 5xx included. */
export interface HttpResponse {
  status: number;
  /** Lower-cased names; a header sent several times is joined with `, `. */
  headers: Record<string, string>;
  /** The body after any `content-encoding` was decoded (the bytes a digest is computed over). */
  body: Uint8Array;
}

/**
 * Makes one HTTP(S) request and resolves with the response, whatever its status. Rejects
 * only when no complete response arrived (refused connection, failed TLS handshake, total
 * deadline passed, body over its cap, aborted), with a WasmhostError of code `io` naming the
 * URL; `data.reason` is `timeout`, `too-large` or `aborted` for those three.
 * Redirects are not followed: a 3xx is returned like any other status.
 */
export interface HttpClient {
  request(method: HttpMethod, url: string, init?: HttpRequestInit): Promise<HttpResponse>;
}

/** Default ceilings of the HTTP adapters (each request may ask for less). */
export const HTTP_DEFAULT_TIMEOUT_MS = 30_000;
export const HTTP_DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
