// A bounded cursor over a component's bytes: LEB128 integers, names and sub-ranges.
// Offsets are always absolute (into the whole file) so errors point at the real byte.

import { corrupt, truncated } from './decode-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads primitive values from `bytes[pos, end)`; throws `not-a-component` past the end. */
export class ByteReader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    /** What is being read (`type section at 0x1c`), for error messages. */
    readonly where?: string,
  ) {
    this.pos = start;
  }

  /** True when every byte of the range has been consumed. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads one byte. */
  u8(): number {
    if (this.pos >= this.end) throw this.pastEnd();
    return this.bytes[this.pos++];
  }

  /** Looks at the next byte without consuming it. */
  peek(): number {
    if (this.pos >= this.end) throw this.pastEnd();
    return this.bytes[this.pos];
  }

  /** Reads an unsigned LEB128 integer of at most 32 bits. */
  u32(): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      if (shift === 28 && (b & 0x70) !== 0) throw corrupt('u32 LEB128 value out of range', start, this.where);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw corrupt('u32 LEB128 value is too long', start, this.where);
  }

  /** Reads a signed LEB128 integer of at most 33 bits (value types, heap types). */
  s33(): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return (b & 0x40) !== 0 ? result - 2 ** (shift + 7) : result;
    }
    throw corrupt('s33 LEB128 value is too long', start, this.where);
  }

  /** Skips one LEB128 integer of any width up to 64 bits. */
  skipLeb(): void {
    const start = this.pos;
    for (let i = 0; i < 10; i++) if ((this.u8() & 0x80) === 0) return;
    throw corrupt('LEB128 value is too long', start, this.where);
  }

  /** Reads a length-prefixed UTF-8 string. */
  name(): string {
    const len = this.u32();
    const start = this.pos;
    const slice = this.take(len);
    try {
      return utf8.decode(slice);
    } catch {
      throw corrupt('a name is not valid UTF-8', start, this.where);
    }
  }

  /** Returns the next `len` bytes (a view, not a copy) and moves past them. */
  take(len: number): Uint8Array {
    if (len > this.end - this.pos) {
      this.pos = this.end;
      throw this.pastEnd();
    }
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** Reads a vector count and checks it is not absurd for the bytes left. */
  count(): number {
    const start = this.pos;
    const n = this.u32();
    if (n > this.end - this.pos) throw corrupt(`vector of ${n} items cannot fit in the remaining bytes`, start, this.where);
    return n;
  }

  /** The error for reading past this range: a cut file when the range ends at the file's end. */
  private pastEnd(): Error {
    return this.end >= this.bytes.length
      ? truncated(this.bytes.length, this.where)
      : corrupt(`an item runs past its section's end (${this.end - this.pos} bytes were left)`, this.pos, this.where);
  }
}
