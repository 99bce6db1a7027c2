import { WasmhostError } from '../errors.js';
import type { TranspiledArtifact } from '../ports/artifact-cache.js';

const GLUE_FILE = 'component.js';

/** Turns component bytes into jco's artifact; a host may run it elsewhere (a child process, a worker). */
export type Transpiler = (bytes: Uint8Array, digest: string) => Promise<TranspiledArtifact>;

/**
 * Transpiles component bytes with jco in instantiation mode: the glue takes every
 * import (WASI included) from the import object the host builds, and asks for its
 * core modules through `getCoreModule`, so the same artifact runs in Node and browsers.
 */
export async function transpileWithJco(bytes: Uint8Array, digest: string): Promise<TranspiledArtifact> {
  // Loaded on first use: a warm start never pays for the transpiler. `jco/component` is jco's
  // bindgen itself (the same in Node and browsers), so it takes bindgen's options as they are.
  const { generate } = await import('@bytecodealliance/jco/component');
  let files: [string, Uint8Array][];
  try {
    ({ files } = await generate(bytes, {
      name: 'component',
      instantiation: { tag: 'async' },
      noTypescript: true,
      // As jco's own transpile does: small core modules inline as base64, errors wrapped in ComponentError.
      base64Cutoff: 5000,
      noComponentErrorWrapping: false,
    }));
  } catch (cause) {
    throw new WasmhostError('transpile-failed', `jco could not transpile component ${digest}: ${messageOf(cause)}`, { cause });
  }
  const glue = files.find(([name]) => name === GLUE_FILE)?.[1];
  if (!glue) throw new WasmhostError('transpile-failed', `jco produced no ${GLUE_FILE} for component ${digest}`);
  const coreModules: Record<string, Uint8Array> = {};
  for (const [name, data] of files) {
    if (name.endsWith('.wasm')) coreModules[name] = data;
  }
  return { digest, glue: quietDebugLog(new TextDecoder().decode(glue)), coreModules };
}

const DEBUG_CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';

/**
 * jco 1.35's glue asks `process.env.JCO_DEBUG` on every one of its debug-log calls, dozens per
 * component call; in Node each ask is a getenv through a proxy, half the time of a small HTTP
 * handler (bench/http.ts). The glue asks once, when it loads, instead.
 */
function quietDebugLog(glue: string): string {
  const at = glue.indexOf(DEBUG_CHECK);
  if (at < 0) return glue;
  const decl = glue.lastIndexOf('const _debugLog', at);
  if (decl < 0) return glue;
  return `${glue.slice(0, decl)}const _jcoDebugOn = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n  ${glue.slice(decl, at)}if (!_jcoDebugOn) { return; }${glue.slice(at + DEBUG_CHECK.length)}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
