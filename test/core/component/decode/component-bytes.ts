// Hand-assembles component binaries for cases no WAT/WIT tool writes any more
// (legacy named results) and for precise corruption tests.

/** Unsigned LEB128. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (how a type index is written where a value type is expected). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** A length-prefixed UTF-8 name. */
export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
}

/** A vector: count, then the items' bytes. */
export function vec(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

/** A section: id, size, contents. */
export function section(id: number, contents: number[]): number[] {
  return [id, ...leb(contents.length), ...contents];
}

/** The 8-byte component preamble (binary version 0x0d, layer 1). */
export const PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** A component made of `sections`. */
export function component(...sections: number[][]): Uint8Array {
  return new Uint8Array([...PREAMBLE, ...sections.flat()]);
}

/** Offsets of each top-level section's start in a component (and the end of the file). */
export function sectionBounds(bytes: Uint8Array): { id: number; start: number; body: number; end: number }[] {
  const out: { id: number; start: number; body: number; end: number }[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const id = bytes[pos++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[pos++];
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    out.push({ id, start, body: pos, end: pos + size });
    pos += size;
  }
  return out;
}
