// Margo rc.3's deployment bundle (`application/vnd.margo.bundle.v1+tar+gzip`): a gzip'd tar
// with one ApplicationDeployment YAML per deployment. Gunzip through the web platform's
// DecompressionStream (Node ≥ 18 and browsers) with the decoded size capped while it inflates,
// then the core's tar reader (tar.ts) within the bundle budgets.
import { WasmhostError } from '../errors.js';
import { readTar } from './tar.js';
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

/** The regular files of a bundle's tar (directories skipped), within the bundle budgets (see tar.ts). */
export function bundleFiles(tar: Uint8Array): BundleFile[] {
  return readTar(tar, { maxEntries: BUNDLE_MAX_ENTRIES, maxTotalBytes: BUNDLE_MAX_DECODED_BYTES, maxEntryBytes: DEPLOYMENT_MAX_BYTES })
    .filter((e) => e.type === 'file').map((e) => ({ name: e.name, bytes: e.data }));
}
