// What a test host's `request` does: one HTTP request into a component's
// wasi:http/incoming-handler, in-process, and its answer read back whole.
import { WasmhostError } from '../errors.js';
import type { Workload } from '../runtime/workload.js';
import { HTTP_HANDLER, type HttpRequestData, type HttpResponseData } from '../runtime/http-types.js';

/** A request as a test writes it; everything but the path has a default. */
export interface TestHttpRequest {
  /** Default GET. */
  method?: string;
  /** Path and query, default `/`. */
  path?: string;
  headers?: Record<string, string> | [string, string][];
  body?: string | Uint8Array;
  /** Default `localhost`. */
  authority?: string;
}

/** The handler's answer. */
export interface TestHttpResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** The trailers the handler finished its body with (empty without). */
  trailers: [string, string][];
  /** The first value of a header (names are case-insensitive). */
  header(name: string): string | undefined;
  /** The body as UTF-8. */
  text(): string;
}

/** Sends `request` to `workload`'s HTTP handler export. */
export function sendTestRequest(workload: Workload, request: TestHttpRequest): TestHttpResponse {
  const handler = workload.component.world.exports.find((e) => e.kind === 'interface' && e.interface.name.startsWith(HTTP_HANDLER));
  if (!handler || handler.kind !== 'interface') throw new WasmhostError('unsupported', `${workload.name} does not export ${HTTP_HANDLER}, so it takes no HTTP requests; call its exports with \`call\``);
  const body = typeof request.body === 'string' ? new TextEncoder().encode(request.body) : (request.body ?? new Uint8Array(0));
  const headers = Array.isArray(request.headers) ? request.headers : Object.entries(request.headers ?? {});
  const data: HttpRequestData = {
    method: request.method ?? 'GET',
    pathWithQuery: request.path ?? '/',
    scheme: 'http',
    authority: request.authority ?? 'localhost',
    headers: headers.map(([k, v]) => [k.toLowerCase(), v]),
    body,
  };
  const answer = workload.call(`${handler.interface.name}#handle`, data) as HttpResponseData | undefined;
  if (!answer || typeof answer.status !== 'number') {
    throw new WasmhostError('unsupported', `${workload.name} was not instantiated with wasmhost's wasi:http/types (use createTestHost from wasmhost/node, which provides them)`);
  }
  return {
    status: answer.status,
    headers: answer.headers,
    body: answer.body,
    trailers: answer.trailers ?? [],
    header: (name) => answer.headers.find(([k]) => k === name.toLowerCase())?.[1],
    text: () => new TextDecoder().decode(answer.body),
  };
}
