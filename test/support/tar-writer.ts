// A minimal ustar writer for tests: it writes what real tools write (and what they refuse to
// write: `..` names, links, devices), so the reader's refusals can be tested exactly.
import { gzipSync } from 'node:zlib';

/** One header (and its data) to write. `type` is the ustar typeflag: '0' file, '5' directory, '2' symlink… */
export interface TarWriterEntry {
  name: string;
  type?: string;
  data?: Uint8Array | string;
  linkname?: string;
  /** ustar's prefix field (names longer than 100 bytes). */
  prefix?: string;
  /** The size written in the header, when it should differ from the data (truncation tests). */
  declaredSize?: number;
}

const encoder = new TextEncoder();

/** A tar archive of `entries`, ended by two zero blocks unless `end` is false. */
export function writeTar(entries: TarWriterEntry[], options: { end?: boolean } = {}): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? encoder.encode(entry.data) : (entry.data ?? new Uint8Array(0));
    blocks.push(header(entry, entry.declaredSize ?? data.length));
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  if (options.end !== false) blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

/** `writeTar` then gzip, as a `.tar.gz` bundle. */
export function writeTarGz(entries: TarWriterEntry[]): Uint8Array {
  return gzipSync(writeTar(entries));
}

/** A pax extended header giving the next entry a long `path`. */
export function paxPath(path: string): TarWriterEntry {
  const body = ` path=${path}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
  return { name: 'PaxHeaders/x', type: 'x', data: `${length}${body}` };
}

function header(entry: TarWriterEntry, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (at: number, text: string) => h.set(encoder.encode(text), at);
  const octal = (at: number, width: number, value: number) => put(at, `${value.toString(8).padStart(width - 1, '0')}\0`);
  put(0, entry.name);
  octal(100, 8, entry.type === '5' ? 0o755 : 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 1_700_000_000);
  put(156, entry.type ?? '0');
  if (entry.linkname) put(157, entry.linkname);
  put(257, 'ustar\u000000');
  if (entry.prefix) put(345, entry.prefix);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}
