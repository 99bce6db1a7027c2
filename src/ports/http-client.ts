// The HTTP client port: what the core needs to talk to a fleet manager or fetch a URL.
// Adapters own the transport: TLS trust anchors, client certificates (mTLS), proxies,
// timeouts and content decoding are configured when the adapter is built, never here.

/** Request methods the core uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Optional parts of a request. */
export interface HttpRequestInit {
  /** Header names in any case; the adapter sends them as given. */
  headers?: Record<string, string>;
  /** The exact body bytes; the caller sets `content-type`. */
  body?: Uint8Array;
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
 * only when no response arrived (refused connection, failed TLS handshake, timeout, body
 * over the adapter's size limit), with a WasmhostError of code `io` naming the URL.
 * Redirects are not followed: a 3xx is returned like any other status.
 */
export interface HttpClient {
  request(method: HttpMethod, url: string, init?: HttpRequestInit): Promise<HttpResponse>;
}
