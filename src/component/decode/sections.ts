// Splits a component body into sections: id, declared size, and a reader bounded to
// the section's contents. A size past the end of the input means the file was cut.

import { ByteReader } from './byte-reader.js';
import { corrupt, hex, truncated } from './decode-error.js';

/** One section: its id, where its header starts, and a reader over its contents. */
export interface Section { id: number; start: number; reader: ByteReader }

/** Reads the next section header from `r` and steps `r` past the section. */
export function readSection(r: ByteReader, names: string[]): Section {
  const start = r.pos;
  const id = r.u8();
  const name = names[id] ?? `id ${id}`;
  const where = `${name} section at ${hex(start)}`;
  const size = new ByteReader(r.bytes, r.pos, r.end, where);
  const len = size.u32();
  const bodyStart = size.pos;
  const left = r.end - bodyStart;
  if (len > left) {
    if (r.end >= r.bytes.length) throw truncated(r.bytes.length, `${where} declares ${len} bytes but only ${left} remain`);
    throw corrupt(`the ${name} section declares ${len} bytes, past the end of its enclosing component`, start, r.where);
  }
  r.pos = bodyStart + len;
  return { id, start, reader: new ByteReader(r.bytes, bodyStart, bodyStart + len, where) };
}
