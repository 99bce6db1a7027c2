import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { Script } from 'node:vm';
import type { GlueModule } from '../src/ports/artifact-cache.js';
import { glueAsScript } from './glue-script.js';

// V8 checks a code cache against its source only by the source's length (and V8's version and
// flags): a cache made for other code of the same length is accepted and runs that other code.
// So a stored cache carries the sha256 of the glue it was made from, and is handed to V8 only
// when that matches the glue being compiled. The script is glueAsScript(glue): change MAGIC
// when that rewriting changes.

const MAGIC = 'wasmhost-v8cache-1\n';
const HEADER = MAGIC.length + 64 + 1;

/** sha256 (hex) of the glue source, the key of its code cache. */
export function glueKey(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** A V8 code cache with the key of its glue in front, ready to store. */
export function sealCodeCache(data: Uint8Array, key: string): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC}${key}\n`, 'latin1'), data]);
}

/** The V8 code cache inside `stored` if it was made for the glue of `key`; undefined otherwise (absent, foreign, corrupt). */
export function openCodeCache(stored: Uint8Array | undefined, key: string): Buffer | undefined {
  if (!stored || stored.length <= HEADER) return undefined;
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (bytes.toString('latin1', 0, HEADER) !== `${MAGIC}${key}\n`) return undefined;
  return bytes.subarray(HEADER);
}

/**
 * Loads the glue from `path` as a script with a V8 code cache at `cachePath`, used only when it
 * was made from this very glue (`sourceSum`: its sha256 hex if known, e.g. checked against a
 * manifest; computed otherwise). Otherwise a new cache is written once the first instantiation
 * is done and whatever runs right after it (a first call) has run, so it holds the functions
 * those compiled; a cache V8 rejects is rewritten the same way.
 */
export async function loadGlueScript(path: string, source: string, cachePath: string, fallback: () => Promise<GlueModule>, sourceSum?: string): Promise<GlueModule> {
  const code = glueAsScript(source);
  if (!code) return fallback();
  const key = sourceSum ?? glueKey(source);
  const cachedData = openCodeCache(await readFile(cachePath).catch(() => undefined), key);
  const script = new Script(code, { filename: path, cachedData });
  const glue = script.runInThisContext() as GlueModule;
  if (cachedData && !script.cachedDataRejected) return glue;
  let saved = false;
  return {
    async instantiate(...args) {
      const exports = await glue.instantiate(...args);
      if (!saved) {
        saved = true;
        // A macrotask later: after the caller's synchronous first call, before a short-lived process exits.
        setTimeout(() => void writeFile(cachePath, sealCodeCache(script.createCachedData(), key)).catch(() => undefined), 0);
      }
      return exports;
    },
  };
}
