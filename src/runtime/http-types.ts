// `wasi:http/types` for serving one request inside the instance's own thread (a workload worker,
// or the host thread in-process). Resources cannot cross threads, so the host sends a plain
// request (`HttpRequestData`, body already read up to its cap) and gets a plain response back;
// the incoming-request, response-outparam and body streams are built here, next to the instance.
// Bodies are streams on the guest's side. With a `stream` id (a request the host serves from a
// worker, http-stream.ts) they stream on ours too: the request body is read from the host chunk by
// chunk as the guest reads it, and each response chunk is posted to the host as the guest writes
// it, the head with the first; the response ends when the handler returns. Without one (in-process), they are whole buffers.
import { WasmhostError } from '../errors.js';
import type { OutgoingRequestData, OutgoingResult } from '../capabilities/http-outgoing.js';
import { createBodyStreams } from './http-bodies.js';

/** A request as it crosses to the instance's thread: header values as latin1 strings. */
export interface HttpRequestData {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: [string, string][];
  /** The body (or, with `stream`, its first bytes; the rest is read from the host). */
  body: Uint8Array;
  /** The id of the host's exchange serving this request's streamed bodies (http-stream.ts). */
  stream?: number;
  /** The request has no body (no length, no transfer coding): nothing to read from the host. */
  bodyless?: boolean;
}

/** What the handler answered. */
export interface HttpResponseData {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** The head and body were sent through the request's exchange already (`body` is empty). */
  streamed?: boolean;
  /** Trailers the handler finished its body with (sent after the body, chunked encoding). */
  trailers?: [string, string][];
}

/** How the worker reaches the host's exchange of a streamed request (a SyncCallClient on HTTP_STREAM). */
export interface HttpStreamClient {
  /** `read(id)`: blocks for the next request chunk (null at the end, `{failed}` when the body may not be read further). */
  call(fn: 'read', args: [number]): unknown;
  /** `write(id, chunk, head?)`: posted, not waited for; the first carries the head (status, headers). */
  notify(fn: 'write', args: [number, Uint8Array, [number, [string, string][]] | undefined]): void;
}

/** The export every HTTP component has, as `Workload.call` names it. */
export const HTTP_HANDLER = 'wasi:http/incoming-handler';

/** Where an in-process `wasi:http/types` import keeps the way to serve a request through it. */
const SERVE = Symbol.for('wasmhost.http.serve');

/** Serves one plain request through an instance's handler export (`call(request, outparam)`). */
export type HttpServe = (request: HttpRequestData, call: (request: unknown, outparam: unknown) => unknown) => HttpResponseData;

/** The `wasi:http/types` import for an in-process instance: the types, carrying their `serve`. */
export function httpTypesImport(http: { types: object; serve: HttpServe }): object {
  return Object.assign(http.types, { [SERVE]: http.serve });
}

/** The `serve` of the `wasi:http/types` in an import object built by `httpTypesImport`, if any. */
export function httpServeOf(imports: Record<string, unknown>): HttpServe | undefined {
  const types = imports['wasi:http/types'] as { [SERVE]?: HttpServe } | undefined;
  return types?.[SERVE];
}

/** preview2-shim's stream classes: the component's `wasi:io/streams` import, which our bodies must be instances of. */
export interface StreamClasses {
  InputStream: new () => object;
  OutputStream: new () => object;
}

type Tagged = { tag: string; val?: unknown };
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'];
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

/** What the guest-side types need from around them. */
export interface HttpTypesOptions {
  /** The component's `wasi:io/streams` classes. */
  streams: StreamClasses;
  /** A pollable that is ready at once (for `subscribe()`), if the component imports a clock to make one from. */
  readyPollable?: () => object;
  /** Sends an outgoing request through the host (blocking); absent: no `wasi:http/outgoing-handler`. */
  send?: (request: OutgoingRequestData) => OutgoingResult;
  /** Reaches the host's exchanges, for requests that carry a `stream` id. */
  stream?: HttpStreamClient;
  /** The largest response body the handler may write (default 64 MiB). */
  responseCapBytes?: number;
}

/**
 * A guest-facing `wasi:http/types`, the way to hand one request to the handler and read its
 * answer, and `wasi:http/outgoing-handler` over `send`. An outgoing request is sent when
 * `handle` is called, with the body written so far; its response arrives complete.
 */
export function createHttpTypes(options: HttpTypesOptions) {
  const { streams } = options;
  const responseCapBytes = options.responseCapBytes ?? 64 * 2 ** 20;
  const ready = (): object => {
    if (!options.readyPollable) throw noPolling();
    return options.readyPollable();
  };
  class Fields {
    #entries: [string, Uint8Array][] = [];
    #immutable = false;
    static fromList(entries: [string, Uint8Array][]): Fields {
      const f = new Fields();
      for (const [k, v] of entries) f.append(k, v);
      return f;
    }
    static frozen(entries: [string, string][]): Fields {
      const f = new Fields();
      for (const [k, v] of entries) f.#entries.push([k.toLowerCase(), bytesOf(v)]);
      f.#immutable = true;
      return f;
    }
    #mutable(): void { if (this.#immutable) throw { tag: 'immutable' }; }
    get(name: string): Uint8Array[] { return this.#entries.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v); }
    has(name: string): boolean { return this.get(name).length > 0; }
    set(name: string, values: Uint8Array[]): void { this.delete(name); for (const v of values) this.append(name, v); }
    delete(name: string): void { this.#mutable(); this.#entries = this.#entries.filter(([k]) => k !== name.toLowerCase()); }
    append(name: string, value: Uint8Array): void {
      this.#mutable();
      checkField(name, value);
      this.#entries.push([name.toLowerCase(), value.slice()]);
    }
    entries(): [string, Uint8Array][] { return this.#entries.map(([k, v]) => [k, v]); }
    clone(): Fields { return Fields.fromList(this.entries()); }
    plain(): [string, string][] { return this.#entries.map(([k, v]) => [k, latin1(v)]); }
  }

  const { BodyInput, BodyOutput } = createBodyStreams(streams, ready, responseCapBytes);
  type BodyInput = InstanceType<typeof BodyInput>;
  type BodyOutput = InstanceType<typeof BodyOutput>;

  class FutureTrailers {
    subscribe(): object { return ready(); }
    get(): Tagged { return { tag: 'ok', val: { tag: 'ok', val: undefined } }; }
  }

  class IncomingBody {
    #stream?: BodyInput;
    constructor(readonly bytes: Uint8Array, readonly more?: () => Uint8Array | undefined) {}
    stream(): BodyInput {
      if (this.#stream) throw undefined;
      return (this.#stream = new BodyInput(this.bytes, this.more));
    }
    static finish(_body: IncomingBody): FutureTrailers { return new FutureTrailers(); }
  }

  class IncomingRequest {
    #consumed = false;
    #headers?: Fields;
    constructor(readonly data: HttpRequestData) {}
    method(): Tagged {
      const m = this.data.method.toLowerCase();
      return METHODS.includes(m) ? { tag: m } : { tag: 'other', val: this.data.method };
    }
    pathWithQuery(): string { return this.data.pathWithQuery; }
    scheme(): Tagged { return { tag: this.data.scheme.toUpperCase() }; }
    authority(): string { return this.data.authority; }
    // Built when asked for: a handler that never reads the headers pays nothing for them.
    headers(): Fields { return (this.#headers ??= Fields.frozen(this.data.headers)); }
    consume(): IncomingBody {
      if (this.#consumed) throw undefined;
      this.#consumed = true;
      const { stream: id } = this.data;
      const client = options.stream;
      if (id === undefined || !client || this.data.bodyless) return new IncomingBody(this.data.body);
      return new IncomingBody(this.data.body, () => {
        const chunk = client.call('read', [id]) as Uint8Array | null | { failed: string };
        // Past the body cap or a client gone: the guest sees the body end; the host answers for it.
        if (chunk === null || !(chunk instanceof Uint8Array)) return undefined;
        return chunk;
      });
    }
  }

  class OutgoingBody {
    readonly output = new BodyOutput();
    #written = false;
    finished = false;
    trailers?: [string, string][];
    write(): BodyOutput {
      if (this.#written) throw undefined;
      this.#written = true;
      return this.output;
    }
    static finish(body: OutgoingBody, trailers?: Fields): void {
      body.finished = true;
      if (trailers) body.trailers = trailers.plain();
    }
  }

  class OutgoingResponse {
    status = 200;
    #body?: OutgoingBody;
    constructor(readonly fields: Fields) {}
    statusCode(): number { return this.status; }
    setStatusCode(code: number): void {
      if (code < 100 || code > 999) throw undefined;
      this.status = code;
    }
    headers(): Fields { return this.fields; }
    #streamTo?: StreamTarget;
    body(): OutgoingBody {
      if (this.#body) throw undefined;
      this.#body = new OutgoingBody();
      if (this.#streamTo) streamBody(this.#body, this.#streamTo);
      return this.#body;
    }
    get bodyHandle(): OutgoingBody | undefined { return this.#body; }
    /** The body's chunks go to the host as they are written (or were, before this), the head with the first. */
    streamTo(target: StreamTarget): void {
      this.#streamTo = target;
      target.head = [this.status, this.fields.plain()];
      if (this.#body) streamBody(this.#body, target);
    }
  }

  /** A streamed response: its head until the first chunk carries it, and whether anything went out. */
  type StreamTarget = { id: number; client: HttpStreamClient; head?: [number, [string, string][]]; sent: boolean };
  function streamBody(body: OutgoingBody, target: StreamTarget): void {
    body.output.attach((chunk) => {
      target.client.notify('write', [target.id, chunk, target.head]);
      target.head = undefined;
      target.sent = true;
    });
  }

  class ResponseOutparam {
    answer?: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: Tagged };
    constructor(readonly stream?: StreamTarget) {}
    static set(param: ResponseOutparam, response: ResponseOutparam['answer']): void {
      if (param.answer) throw new WasmhostError('trap', 'response-outparam.set was called twice');
      param.answer = response;
      if (param.stream && response?.tag === 'ok') response.val.streamTo(param.stream);
    }
  }

  class RequestOptions {
    #timeouts: Record<string, bigint | undefined> = {};
    connectTimeout(): bigint | undefined { return this.#timeouts.connect; }
    setConnectTimeout(d: bigint | undefined): void { this.#timeouts.connect = d; }
    firstByteTimeout(): bigint | undefined { return this.#timeouts.firstByte; }
    setFirstByteTimeout(d: bigint | undefined): void { this.#timeouts.firstByte = d; }
    betweenBytesTimeout(): bigint | undefined { return this.#timeouts.betweenBytes; }
    setBetweenBytesTimeout(d: bigint | undefined): void { this.#timeouts.betweenBytes = d; }
  }

  class OutgoingRequest {
    #method: Tagged = { tag: 'get' };
    #path: string | undefined;
    #scheme: Tagged | undefined;
    #authority: string | undefined;
    #body?: OutgoingBody;
    constructor(readonly fields: Fields) {}
    body(): OutgoingBody {
      if (this.#body) throw undefined;
      return (this.#body = new OutgoingBody());
    }
    method(): Tagged { return this.#method; }
    setMethod(m: Tagged): void { this.#method = m; }
    pathWithQuery(): string | undefined { return this.#path; }
    setPathWithQuery(p: string | undefined): void { this.#path = p; }
    scheme(): Tagged | undefined { return this.#scheme; }
    setScheme(s: Tagged | undefined): void { this.#scheme = s; }
    authority(): string | undefined { return this.#authority; }
    setAuthority(a: string | undefined): void { this.#authority = a; }
    headers(): Fields { return this.fields; }
    plain(): OutgoingRequestData {
      const m = this.#method;
      const scheme = this.#scheme ?? { tag: 'HTTPS' };
      return {
        method: m.tag === 'other' ? String(m.val) : m.tag.toUpperCase(),
        scheme: scheme.tag === 'other' ? String(scheme.val) : scheme.tag.toLowerCase(),
        authority: this.#authority ?? '',
        pathWithQuery: this.#path ?? '/',
        headers: this.fields.plain(),
        body: this.#body?.output.bytes() ?? new Uint8Array(0),
      };
    }
  }

  class IncomingResponse {
    readonly #headers: Fields;
    #consumed = false;
    constructor(readonly code: number, headers: [string, string][], readonly bytes: Uint8Array) { this.#headers = Fields.frozen(headers); }
    status(): number { return this.code; }
    headers(): Fields { return this.#headers; }
    consume(): IncomingBody {
      if (this.#consumed) throw undefined;
      this.#consumed = true;
      return new IncomingBody(this.bytes);
    }
  }

  class FutureIncomingResponse {
    #taken = false;
    constructor(readonly result: Tagged) {}
    subscribe(): object { return ready(); }
    get(): Tagged | undefined {
      if (this.#taken) return { tag: 'err', val: undefined };
      this.#taken = true;
      return { tag: 'ok', val: this.result };
    }
  }

  const types = { Fields, IncomingRequest, IncomingBody, FutureTrailers, OutgoingResponse, OutgoingBody, ResponseOutparam, RequestOptions, OutgoingRequest, IncomingResponse, FutureIncomingResponse };

  /** `wasi:http/outgoing-handler`: a refused request throws its error-code (the guest sees `err`), never a trap. */
  const outgoingHandler = {
    handle(request: OutgoingRequest, _options?: RequestOptions): FutureIncomingResponse {
      if (!options.send) throw errorCode({ error: 'HTTP-request-denied' });
      const result = options.send(request.plain());
      if ('error' in result) {
        if (result.error === 'HTTP-request-denied') throw errorCode(result);
        return new FutureIncomingResponse({ tag: 'err', val: errorCode(result) });
      }
      return new FutureIncomingResponse({ tag: 'ok', val: new IncomingResponse(result.ok.status, result.ok.headers, result.ok.body) });
    },
  };

  /** Calls `handle(request, outparam)` through `call` and turns what the guest set into a plain response. */
  function serve(request: HttpRequestData, call: (request: unknown, outparam: unknown) => unknown): HttpResponseData {
    const target: StreamTarget | undefined = request.stream !== undefined && options.stream ? { id: request.stream, client: options.stream, sent: false } : undefined;
    const out = new ResponseOutparam(target);
    call(new IncomingRequest(request), out);
    const answer = out.answer;
    if (!answer) throw new WasmhostError('trap', 'the HTTP handler returned without setting a response (response-outparam.set)');
    if (answer.tag === 'err') return { status: 500, headers: [['x-wasmhost-error', answer.val.tag]], body: new Uint8Array(0) };
    // Chunks went out: the handler's return ends the response (the result follows the last chunk).
    const trailers = answer.val.bodyHandle?.trailers;
    if (target?.sent) return { status: answer.val.status, headers: [], body: new Uint8Array(0), streamed: true, ...(trailers ? { trailers } : {}) };
    const body = answer.val.bodyHandle?.output.bytes() ?? new Uint8Array(0);
    return { status: answer.val.status, headers: answer.val.fields.plain(), body, ...(trailers ? { trailers } : {}) };
  }

  return { types, outgoingHandler, serve };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Hop-by-hop and framing headers the host sets itself (wasi:http calls them forbidden). */
const FORBIDDEN = new Set(['connection', 'keep-alive', 'host', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length']);

/** A guest's header must be a token name with a value free of CR, LF and NUL (`header-error`: invalid-syntax, forbidden). */
function checkField(name: string, value: Uint8Array): void {
  if (!TOKEN.test(name) || value.some((b) => b === 13 || b === 10 || b === 0)) throw { tag: 'invalid-syntax' };
  if (FORBIDDEN.has(name.toLowerCase())) throw { tag: 'forbidden' };
}

/** An `error-code` case in jco's shape, with the payload its WIT case carries. */
function errorCode(result: { error: string; detail?: string }): Tagged {
  switch (result.error) {
    case 'HTTP-response-body-size': return { tag: result.error, val: result.detail === undefined ? undefined : BigInt(result.detail) };
    case 'DNS-error': return { tag: result.error, val: { rcode: result.detail, infoCode: undefined } };
    case 'internal-error': return { tag: result.error, val: result.detail };
    default: return { tag: result.error };
  }
}

function noPolling(): WasmhostError {
  return new WasmhostError('unsupported', 'subscribe() on an HTTP body or future needs wasi:clocks/monotonic-clock in the component (wasmhost makes its ready pollables from it); use the blocking reads and writes');
}
