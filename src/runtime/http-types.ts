// `wasi:http/types` for serving one request inside the instance's own thread (a workload worker,
// or the host thread in-process). Resources cannot cross threads, so the host sends a plain
// request (`HttpRequestData`, body already read up to its cap) and gets a plain response back;
// the incoming-request, response-outparam and body streams are built here, next to the instance.
// Bodies are streams on the guest's side (read and written in chunks) over buffers on ours.
import { WasmhostError } from '../errors.js';

/** A request as it crosses to the instance's thread: header values as latin1 strings. */
export interface HttpRequestData {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: [string, string][];
  body: Uint8Array;
}

/** What the handler answered. */
export interface HttpResponseData {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** The export every HTTP component has, as `Workload.call` names it. */
export const HTTP_HANDLER = 'wasi:http/incoming-handler';

/** preview2-shim's stream classes: the component's `wasi:io/streams` import, which our bodies must be instances of. */
export interface StreamClasses {
  InputStream: new () => object;
  OutputStream: new () => object;
}

type Tagged = { tag: string; val?: unknown };
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'];
const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);

/** A guest-facing `wasi:http/types` plus the way to hand one request to the handler and read its answer. */
export function createHttpTypes(streams: StreamClasses, responseCapBytes = 64 * 2 ** 20) {
  class Fields {
    #entries: [string, Uint8Array][] = [];
    #immutable = false;
    static fromList(entries: [string, Uint8Array][]): Fields {
      const f = new Fields();
      for (const [k, v] of entries) f.#entries.push([k.toLowerCase(), v]);
      return f;
    }
    static frozen(entries: [string, string][]): Fields {
      const f = Fields.fromList(entries.map(([k, v]) => [k, bytesOf(v)]));
      f.#immutable = true;
      return f;
    }
    #mutable(): void { if (this.#immutable) throw { tag: 'immutable' }; }
    get(name: string): Uint8Array[] { return this.#entries.filter(([k]) => k === name.toLowerCase()).map(([, v]) => v); }
    has(name: string): boolean { return this.get(name).length > 0; }
    set(name: string, values: Uint8Array[]): void { this.delete(name); for (const v of values) this.append(name, v); }
    delete(name: string): void { this.#mutable(); this.#entries = this.#entries.filter(([k]) => k !== name.toLowerCase()); }
    append(name: string, value: Uint8Array): void { this.#mutable(); this.#entries.push([name.toLowerCase(), value]); }
    entries(): [string, Uint8Array][] { return this.#entries.map(([k, v]) => [k, v]); }
    clone(): Fields { return Fields.fromList(this.entries()); }
    plain(): [string, string][] { return this.#entries.map(([k, v]) => [k, latin1(v)]); }
  }

  class BodyInput extends streams.InputStream {
    #at = 0;
    constructor(readonly bytes: Uint8Array) { super(); }
    read(len: bigint): Uint8Array {
      if (this.#at >= this.bytes.length) throw { tag: 'closed' };
      const chunk = this.bytes.slice(this.#at, this.#at + Number(len));
      this.#at += chunk.length;
      return chunk;
    }
    blockingRead(len: bigint): Uint8Array { return this.read(len); }
    skip(len: bigint): bigint { return BigInt(this.read(len).length); }
    blockingSkip(len: bigint): bigint { return this.skip(len); }
    subscribe(): never { throw noPolling(); }
  }

  class BodyOutput extends streams.OutputStream {
    readonly chunks: Uint8Array[] = [];
    size = 0;
    checkWrite(): bigint { return 65536n; }
    write(buf: Uint8Array): void {
      if (this.size + buf.length > responseCapBytes) throw { tag: 'closed' };
      this.chunks.push(buf.slice());
      this.size += buf.length;
    }
    blockingWriteAndFlush(buf: Uint8Array): void { this.write(buf); }
    flush(): void {}
    blockingFlush(): void {}
    writeZeroes(len: bigint): void { this.write(new Uint8Array(Number(len))); }
    blockingWriteZeroesAndFlush(len: bigint): void { this.writeZeroes(len); }
    subscribe(): never { throw noPolling(); }
  }

  class FutureTrailers {
    subscribe(): never { throw noPolling(); }
    get(): Tagged { return { tag: 'ok', val: { tag: 'ok', val: undefined } }; }
  }

  class IncomingBody {
    #stream?: BodyInput;
    constructor(readonly bytes: Uint8Array) {}
    stream(): BodyInput {
      if (this.#stream) throw undefined;
      return (this.#stream = new BodyInput(this.bytes));
    }
    static finish(_body: IncomingBody): FutureTrailers { return new FutureTrailers(); }
  }

  class IncomingRequest {
    #consumed = false;
    readonly #headers: Fields;
    constructor(readonly data: HttpRequestData) { this.#headers = Fields.frozen(data.headers); }
    method(): Tagged {
      const m = this.data.method.toLowerCase();
      return METHODS.includes(m) ? { tag: m } : { tag: 'other', val: this.data.method };
    }
    pathWithQuery(): string { return this.data.pathWithQuery; }
    scheme(): Tagged { return { tag: this.data.scheme.toUpperCase() }; }
    authority(): string { return this.data.authority; }
    headers(): Fields { return this.#headers; }
    consume(): IncomingBody {
      if (this.#consumed) throw undefined;
      this.#consumed = true;
      return new IncomingBody(this.data.body);
    }
  }

  class OutgoingBody {
    readonly output = new BodyOutput();
    #written = false;
    finished = false;
    write(): BodyOutput {
      if (this.#written) throw undefined;
      this.#written = true;
      return this.output;
    }
    static finish(body: OutgoingBody): void { body.finished = true; }
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
    body(): OutgoingBody {
      if (this.#body) throw undefined;
      return (this.#body = new OutgoingBody());
    }
    get bodyHandle(): OutgoingBody | undefined { return this.#body; }
  }

  class ResponseOutparam {
    answer?: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: Tagged };
    static set(param: ResponseOutparam, response: ResponseOutparam['answer']): void {
      if (param.answer) throw new WasmhostError('trap', 'response-outparam.set was called twice');
      param.answer = response;
    }
  }

  const types = { Fields, IncomingRequest, IncomingBody, FutureTrailers, OutgoingResponse, OutgoingBody, ResponseOutparam };

  /** Calls `handle(request, outparam)` through `call` and turns what the guest set into a plain response. */
  function serve(request: HttpRequestData, call: (request: unknown, outparam: unknown) => unknown): HttpResponseData {
    const out = new ResponseOutparam();
    call(new IncomingRequest(request), out);
    const answer = out.answer;
    if (!answer) throw new WasmhostError('trap', 'the HTTP handler returned without setting a response (response-outparam.set)');
    if (answer.tag === 'err') return { status: 500, headers: [['x-wasmhost-error', answer.val.tag]], body: new Uint8Array(0) };
    const output = answer.val.bodyHandle?.output;
    const body = new Uint8Array(output?.size ?? 0);
    let at = 0;
    for (const chunk of output?.chunks ?? []) { body.set(chunk, at); at += chunk.length; }
    return { status: answer.val.status, headers: answer.val.fields.plain(), body };
  }

  return { types, serve };
}

function noPolling(): WasmhostError {
  return new WasmhostError('unsupported', 'wasmhost serves HTTP bodies as buffered streams: use the blocking reads and writes, not subscribe()');
}
