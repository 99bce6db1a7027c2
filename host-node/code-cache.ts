import { createHash } from 'node:crypto';

// V8 checks a code cache against its source only by the source's length (and V8's version and
// flags): a cache made for other code of the same length is accepted and runs that other code.
// So a stored cache carries the sha256 of the exact code it was made from, and is handed to V8
// only when that matches the code being compiled.

const MAGIC = 'wasmhost-v8cache-1\n';
const HEADER = MAGIC.length + 64 + 1;

/** The key of a code cache: sha256 (hex) of the code it is compiled with. */
export function codeKey(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** A V8 code cache with the key of its code in front, ready to store. */
export function sealCodeCache(data: Uint8Array, key: string): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC}${key}\n`, 'latin1'), data]);
}

/** The V8 code cache inside `stored` if it was made for the code of `key`; undefined otherwise (absent, foreign, corrupt). */
export function openCodeCache(stored: Uint8Array | undefined, key: string): Buffer | undefined {
  if (!stored || stored.length <= HEADER) return undefined;
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (bytes.toString('latin1', 0, HEADER) !== `${MAGIC}${key}\n`) return undefined;
  return bytes.subarray(HEADER);
}
