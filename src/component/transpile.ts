import { WasmhostError } from '../errors.js';
import type { TranspiledArtifact } from '../ports/artifact-cache.js';

const GLUE_FILE = 'component.js';

/**
 * Transpiles component bytes with jco in instantiation mode: the glue takes every
 * import (WASI included) from the import object the host builds, and asks for its
 * core modules through `getCoreModule`, so the same artifact runs in Node and browsers.
 */
export async function transpileWithJco(bytes: Uint8Array, digest: string): Promise<TranspiledArtifact> {
  // Loaded on first use: a warm start never pays for the transpiler.
  const { transpile } = await import('@bytecodealliance/jco');
  let files: Record<string, Uint8Array>;
  try {
    ({ files } = await transpile(bytes, {
      name: 'component',
      instantiation: 'async',
      noTypescript: true,
      quiet: true,
    }));
  } catch (cause) {
    throw new WasmhostError('transpile-failed', `jco could not transpile component ${digest}: ${messageOf(cause)}`, { cause });
  }
  const glue = files[GLUE_FILE];
  if (!glue) throw new WasmhostError('transpile-failed', `jco produced no ${GLUE_FILE} for component ${digest}`);
  const coreModules: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('.wasm')) coreModules[name] = data;
  }
  return { digest, glue: new TextDecoder().decode(glue), coreModules };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
