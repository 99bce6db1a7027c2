// The body streams of served requests and their responses, as the guest sees them: instances of
// the component's own `wasi:io/streams` classes (jco checks that), over chunks. A request body
// reads its bytes, then asks `more()` (the host, blocking) for the next chunk; a response body
// keeps what is written until it is attached to a sink, then hands each chunk on as it comes.
import type { StreamClasses } from './http-types.js';

/** The two classes over `streams`; `ready` makes a ready pollable, `capBytes` caps a response body. */
export function createBodyStreams(streams: StreamClasses, ready: () => object, capBytes: number) {
  class BodyInput extends streams.InputStream {
    #at = 0;
    /** `more()` gives the next chunk from the host (blocking), undefined at the end. */
    constructor(public bytes: Uint8Array, public more?: () => Uint8Array | undefined) { super(); }
    read(len: bigint): Uint8Array {
      while (this.#at >= this.bytes.length && this.more) {
        const next = this.more();
        if (!next) this.more = undefined;
        else { this.bytes = next; this.#at = 0; }
      }
      if (this.#at >= this.bytes.length) throw { tag: 'closed' };
      const chunk = this.bytes.slice(this.#at, this.#at + Number(len));
      this.#at += chunk.length;
      return chunk;
    }
    blockingRead(len: bigint): Uint8Array { return this.read(len); }
    skip(len: bigint): bigint { return BigInt(this.read(len).length); }
    blockingSkip(len: bigint): bigint { return this.skip(len); }
    subscribe(): object { return ready(); }
  }

  class BodyOutput extends streams.OutputStream {
    chunks: Uint8Array[] = [];
    size = 0;
    /** Where chunks go as they are written, once the response is streaming. */
    #sink?: (chunk: Uint8Array) => void;
    checkWrite(): bigint { return 65536n; }
    write(buf: Uint8Array): void {
      if (this.size + buf.length > capBytes) throw { tag: 'closed' };
      this.size += buf.length;
      if (this.#sink) this.#sink(buf.slice());
      else this.chunks.push(buf.slice());
    }
    /** Streams from now on: what was written before goes first. */
    attach(sink: (chunk: Uint8Array) => void): void {
      for (const chunk of this.chunks) sink(chunk);
      this.chunks = [];
      this.#sink = sink;
    }
    blockingWriteAndFlush(buf: Uint8Array): void { this.write(buf); }
    flush(): void {}
    blockingFlush(): void {}
    writeZeroes(len: bigint): void { this.write(new Uint8Array(Number(len))); }
    blockingWriteZeroesAndFlush(len: bigint): void { this.writeZeroes(len); }
    subscribe(): object { return ready(); }
    bytes(): Uint8Array {
      const out = new Uint8Array(this.size);
      let at = 0;
      for (const chunk of this.chunks) { out.set(chunk, at); at += chunk.length; }
      return out;
    }
  }

  return { BodyInput, BodyOutput };
}
