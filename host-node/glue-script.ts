import { readFile, writeFile } from 'node:fs/promises';
import { Script } from 'node:vm';
import type { GlueModule } from '../src/ports/artifact-cache.js';

// Importing jco's glue as an ES module costs ~15 ms per fresh process (module loader
// plus parsing 100+ KB). The glue has no imports and exports `instantiate` (and an
// empty `_util`), so it can run as a classic script instead, with V8's code cache
// kept beside it: about 2–4 ms. Glue of any other shape is imported as a module.

const EXPORT_INSTANTIATE = /^export function instantiate\(/m;
const EXPORT_UTIL = /^export const _util = /m;

/** The glue rewritten as a script whose completion value is `{ instantiate }`, or undefined if its shape is unexpected. */
export function glueAsScript(source: string): string | undefined {
  const body = source.replace(EXPORT_INSTANTIATE, 'function instantiate(').replace(EXPORT_UTIL, 'const _util = ');
  if (/^\s*(import|export)\b/m.test(body)) return undefined;
  // `import.meta.url` only serves jco's default core-module loader, which the host always replaces.
  return `(function () {\n${body.replaceAll('import.meta.url', 'undefined')}\nreturn { instantiate };\n})()`;
}

/**
 * Loads the glue from `path` as a script with a V8 code cache at `cachePath`, used only when it
 * was made from this very code (code-cache.ts). Otherwise a new cache is written once the
 * first instantiation is done and whatever runs right after it (a first call) has run, so it
 * holds the functions those compiled; a cache V8 rejects is rewritten the same way.
 */
export async function loadGlueScript(path: string, source: string, cachePath: string, fallback: () => Promise<GlueModule>): Promise<GlueModule> {
  const code = glueAsScript(source);
  if (!code) return fallback();
  // Imported here: workers load this file for glueAsScript and need no node:crypto.
  const { codeKey, openCodeCache, sealCodeCache } = await import('./code-cache.js');
  const key = codeKey(code);
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
