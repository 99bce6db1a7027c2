// Module hooks for start-up tests: importing one of the host's heavy dependencies fails, so a
// command that still succeeds provably did not load them.
import { register } from 'node:module';

// WASMHOST_DENY_MODULES (comma-separated package names) replaces the default list.
export const DENIED = process.env.WASMHOST_DENY_MODULES?.split(',').filter(Boolean)
  ?? ['@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'aedes', 'mqtt', 'better-sqlite3', 'ws', 'yaml', 'cbor-x'];

/** A package name matches itself and its subpaths; a name ending in `.js` matches our own module of that file name (`./host-runtime.js`). */
const denied = (specifier) => DENIED.some((d) => (d.endsWith('.js') ? specifier.endsWith(`/${d}`) : specifier === d || specifier.startsWith(`${d}/`)));

export async function resolve(specifier, context, next) {
  if (denied(specifier)) throw new Error(`start-up test: '${specifier}' must not be loaded`);
  return next(specifier, context);
}

// Used as `node --import <this file>`: registers itself as the resolve hook.
if (!process.env.WASMHOST_DENY_HOOKS_THREAD) {
  process.env.WASMHOST_DENY_HOOKS_THREAD = '1';
  register(import.meta.url);
}
