// Margo rc.3's deployment bundle (`application/vnd.margo.bundle.v1+tar+gzip`): a gzip'd tar
// with one ApplicationDeployment YAML per deployment. Gunzip through the web platform's
// DecompressionStream (Node ≥ 18 and browsers) with the decoded size capped while it inflates,
// then a small ustar reader: regular files only, every header checksum checked, counts capped.
import { WasmhostError } from '../errors.js';
import { BUNDLE_MAX_DECODED_BYTES, BUNDLE_MAX_ENTRIES, DEPLOYMENT_MAX_BYTES } from './fetch-budgets.js';

/** One regular file of a bundle. */
export interface BundleFile { name: string; bytes: Uint8Array }

interface Reader { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(reason?: unknown): Promise<void> }
interface Writer { write(chunk: Uint8Array): Promise<void>; close(): Promise<void> }
type GzipStreamCtor = new (format: 'gzip') => { readable: { getReader(): Reader }; writable: { getWriter(): Writer } };

const bad = (message: string) => new WasmhostError('bad-input', message, { data: { reason: 'malformed' } });

/** Inflates gzip bytes, refusing output past `maxBytes` as soon as it passes it. */
export async function gunzip(bytes: Uint8Array, maxBytes = BUNDLE_MAX_DECODED_BYTES): Promise<Uint8Array> {
  const Ctor = (globalThis as unknown as { DecompressionStream?: GzipStreamCtor }).DecompressionStream;
  if (!Ctor) throw new WasmhostError('unsupported', 'this platform has no DecompressionStream to read a gzip bundle');
  const stream = new Ctor('gzip');
  const writer = stream.writable.getWriter();
  const writing = writer.write(bytes).then(() => writer.close()).catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value!.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new WasmhostError('bad-input', `bundle inflates past ${maxBytes} bytes; refused`, { data: { reason: 'too-large' } });
      }
      chunks.push(value!);
    }
  } catch (error) {
    if (error instanceof WasmhostError) throw error;
    throw bad(`bundle is not valid gzip (${(error as Error).message})`);
  }
  await writing;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The regular files of a tar archive (ustar, GNU and pax headers; links and devices are skipped). */
export function readTar(tar: Uint8Array): BundleFile[] {
  const files: BundleFile[] = [];
  let offset = 0;
  let entries = 0;
  while (offset + 512 <= tar.byteLength) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return files; // end-of-archive marker
    if (++entries > BUNDLE_MAX_ENTRIES) throw bad(`bundle holds more than ${BUNDLE_MAX_ENTRIES} tar entries; refused`);
    checkChecksum(header, offset);
    const size = octal(header.subarray(124, 136), offset);
    const type = String.fromCharCode(header[156] || 48);
    const start = offset + 512;
    if (start + size > tar.byteLength) throw bad(`bundle tar entry at byte ${offset} runs past the end of the archive`);
    if (type === '0' || type === '7') {
      if (size > DEPLOYMENT_MAX_BYTES) throw bad(`bundle file at byte ${offset} is ${size} bytes, over the ${DEPLOYMENT_MAX_BYTES}-byte limit of a deployment YAML`);
      const prefix = text(header.subarray(345, 500));
      files.push({ name: `${prefix ? `${prefix}/` : ''}${text(header.subarray(0, 100))}`, bytes: tar.slice(start, start + size) });
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  if (offset !== tar.byteLength) throw bad('bundle tar ends inside a header');
  return files;
}

function checkChecksum(header: Uint8Array, offset: number): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  if (octal(header.subarray(148, 156), offset) !== sum) throw bad(`bundle tar header at byte ${offset} has a wrong checksum`);
}

function octal(field: Uint8Array, offset: number): number {
  const digits = text(field).trim();
  if (!/^[0-7]{1,12}$/.test(digits)) throw bad(`bundle tar header at byte ${offset} has a malformed number field`);
  return parseInt(digits, 8);
}

function text(field: Uint8Array): string {
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}
