// A small reader of tar archives (POSIX ustar, with pax `path`/`size` records and GNU long
// names), for bundles of desired state: Margo's deployment bundles, air-gapped imports. The
// archive is hostile until checked: it is refused whole when it passes a budget or holds
// anything but regular files and directories with names that stay inside it.
import { WasmhostError } from '../errors.js';

/** Limits an archive must stay within; past any of them it is refused whole. */
export interface TarBudgets {
  /** Headers read (files, directories and the metadata records before them). */
  maxEntries: number;
  /** Bytes of the (decompressed) archive, and so of all its entries together. */
  maxTotalBytes: number;
  /** Bytes of one entry (default: maxTotalBytes). */
  maxEntryBytes?: number;
}

/** One member of an archive: a regular file with its bytes (a view into the archive), or a directory. */
export interface TarEntry {
  /** Normalised relative path: `/`-separated, no `.`, `..` or empty segments. */
  name: string;
  type: 'file' | 'directory';
  data: Uint8Array;
}

/** Why an archive was refused, in `error.data.reason`. */
export type TarRefusal =
  | 'too-large' | 'too-many-entries' | 'truncated' | 'checksum' | 'bad-name' | 'escapes'
  | 'link' | 'device' | 'unsupported-type' | 'duplicate' | 'bad-metadata';

const BLOCK = 512;
/** A pax or GNU long-name record is a few KiB at most. */
const METADATA_MAX_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a tar archive into its files and directories, all or nothing: a symlink, hard link,
 * device or FIFO, a name that is absolute or climbs out with `..`, a duplicate name, a bad
 * header checksum, a missing end-of-archive marker or a passed budget throws a `bad-input`
 * error naming the entry and the reason (`data.reason`, a TarRefusal).
 */
export function readTar(bytes: Uint8Array, budgets: TarBudgets): TarEntry[] {
  const maxEntry = budgets.maxEntryBytes ?? budgets.maxTotalBytes;
  if (bytes.length > budgets.maxTotalBytes) throw refuse('too-large', undefined, `it is ${bytes.length} bytes, over the ${budgets.maxTotalBytes}-byte limit`);
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let next: { path?: string; size?: number } = {};
  let headers = 0;
  for (let offset = 0; ; ) {
    if (offset + BLOCK > bytes.length) throw refuse('truncated', undefined, 'it ends without the end-of-archive marker (two zero blocks); the file is truncated or not a tar archive');
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    if (++headers > budgets.maxEntries) throw refuse('too-many-entries', undefined, `it has more than ${budgets.maxEntries} entries`);
    checkChecksum(header, next.path);
    const rawName = next.path ?? headerName(header);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    const metadata = type === 'x' || type === 'L' || type === 'K' || type === 'g';
    const size = (metadata ? undefined : next.size) ?? number(header, 124, 12, rawName);
    if (size > maxEntry) throw refuse('too-large', rawName, `its size ${size} is over the ${maxEntry}-byte limit of one entry`);
    const start = offset + BLOCK;
    if (start + size > bytes.length) throw refuse('truncated', rawName, `its ${size} bytes run past the end of the archive`);
    const data = bytes.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (metadata) {
      if (size > METADATA_MAX_BYTES) throw refuse('bad-metadata', rawName, `its metadata record of ${size} bytes is over ${METADATA_MAX_BYTES}`);
      if (type === 'x') next = { ...next, ...paxRecords(data, rawName) };
      if (type === 'L') next = { ...next, path: text(data, rawName).replace(/\0.*$/s, '') };
      continue; // K: a long link name (the link itself is refused); g: global pax defaults, not needed
    }
    next = {};
    const kind = entryKind(type, rawName);
    const name = confined(rawName, kind);
    if (name === '') continue; // the archive's own root directory, `./`
    if (seen.has(name)) throw refuse('duplicate', rawName, 'the name occurs twice (which copy counts is ambiguous)');
    seen.add(name);
    entries.push({ name, type: kind, data: kind === 'file' ? data : new Uint8Array(0) });
  }
}

function entryKind(type: string, name: string): TarEntry['type'] {
  if (type === '0' || type === '7') return 'file';
  if (type === '5') return 'directory';
  if (type === '1' || type === '2') throw refuse('link', name, `it is a ${type === '1' ? 'hard link' : 'symbolic link'}; links are not accepted (they could point outside the bundle)`);
  if (type === '3' || type === '4' || type === '6') throw refuse('device', name, `it is a ${{ 3: 'character device', 4: 'block device', 6: 'FIFO' }[type]}; only regular files and directories are accepted`);
  throw refuse('unsupported-type', name, `its entry type ${JSON.stringify(type)} is not supported; only regular files and directories are accepted`);
}

/** The name as a relative path that stays inside the archive, or a refusal. */
function confined(raw: string, kind: TarEntry['type']): string {
  if (raw.includes('\\') || raw.includes('\0') || /^[a-zA-Z]:/.test(raw)) throw refuse('bad-name', raw, 'the name holds a backslash, a NUL or a drive letter');
  if (raw.startsWith('/')) throw refuse('escapes', raw, 'the name is an absolute path');
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw refuse('escapes', raw, 'the name climbs out of the archive with ".."');
  if (segments.length === 0 && kind === 'file') throw refuse('bad-name', raw, 'a file has an empty name');
  return segments.join('/');
}

/** ustar's name, after its prefix field when the header is POSIX ustar (GNU tar uses that space for other things). */
function headerName(header: Uint8Array): string {
  const name = text(field(header, 0, 100), undefined);
  const ustar = header[257] === 0x75 && text(header.subarray(257, 263), undefined) === 'ustar\0';
  const prefix = ustar ? text(field(header, 345, 155), undefined) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function checkChecksum(header: Uint8Array, name: string | undefined): void {
  const stored = number(header, 148, 8, name);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  if (stored !== unsigned && stored !== signed) throw refuse('checksum', name, `its header checksum is ${stored}, the header sums to ${unsigned}; the archive is corrupt`);
}

/** An octal field (NUL/space padded), or GNU's base-256 form (high bit set). */
function number(header: Uint8Array, at: number, length: number, name: string | undefined): number {
  const bytes = header.subarray(at, at + length);
  if (bytes[0] & 0x80) {
    let value = bytes[0] & 0x7f;
    for (const b of bytes.subarray(1)) value = value * 256 + b;
    return value;
  }
  const digits = String.fromCharCode(...bytes).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]*$/.test(digits)) throw refuse('bad-metadata', name, `a numeric header field holds ${JSON.stringify(digits)}; the archive is corrupt or not tar`);
  return digits === '' ? 0 : parseInt(digits, 8);
}

/** pax extended-header records (`<length> <key>=<value>\n`); only `path` and `size` matter here. */
function paxRecords(data: Uint8Array, name: string): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  for (let at = 0; at < data.length; ) {
    const space = data.indexOf(0x20, at);
    const length = space > at ? Number(String.fromCharCode(...data.subarray(at, space))) : NaN;
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length || data[at + length - 1] !== 0x0a) {
      throw refuse('bad-metadata', name, 'its pax extended header is malformed');
    }
    const record = text(data.subarray(space + 1, at + length - 1), name);
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    if (key === 'size') {
      if (!/^\d+$/.test(value)) throw refuse('bad-metadata', name, `its pax size ${JSON.stringify(value)} is not a number`);
      out.size = Number(value);
    }
    at += length;
  }
  return out;
}

/** The bytes of a NUL-terminated field. */
function field(header: Uint8Array, at: number, length: number): Uint8Array {
  const bytes = header.subarray(at, at + length);
  const end = bytes.indexOf(0);
  return end < 0 ? bytes : bytes.subarray(0, end);
}

function text(bytes: Uint8Array, name: string | undefined): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw refuse('bad-name', name, 'a name or record is not valid UTF-8');
  }
}

function refuse(reason: TarRefusal, entry: string | undefined, why: string): WasmhostError {
  const where = entry === undefined ? '' : ` at entry ${JSON.stringify(entry.length > 200 ? `${entry.slice(0, 197)}...` : entry)}`;
  return new WasmhostError('bad-input', `tar archive refused${where}: ${why}; nothing from it was used`, { data: { reason, entry } });
}
