// Whether the scalar fast path (runtime/fast-call.ts) may call this component's core
// exports directly, proven from the component itself: it imports no functions, and its
// structure is the one the fast path models (decode/code-structure.ts).

import { codeStructureBlocker } from './decode/code-structure.js';
import type { ComponentWorld } from './wit-types.js';

/**
 * Why direct core calls are not the same as jco's glue for this component, or undefined
 * when they are. An import called outside jco's own export task attaches host tasks to
 * stale glue state (calls slow down, memory grows), so function imports rule it out too.
 */
export function fastPathBlocker(bytes: Uint8Array, world: ComponentWorld): string | undefined {
  if (importsFunctions(world)) return 'it imports functions';
  return codeStructureBlocker(bytes);
}

/** True when the component imports any function (directly or in an interface). */
export function importsFunctions(world: ComponentWorld): boolean {
  return world.imports.some((i) => i.kind === 'function' || (i.kind === 'interface' && i.interface.functions.length > 0));
}
