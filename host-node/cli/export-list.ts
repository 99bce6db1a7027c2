// The exports `run --invoke` can call, listed for people: grouped by interface, and only
// functions whose arguments can be written (no resources, no methods of resources).

import { exportedFunctions, type ExportedFunction } from '../../src/runtime/export-path.js';
import { printFunction } from '../../src/component/print-wit.js';
import type { ComponentWorld, WitType } from '../../src/component/wit-types.js';

/** Whether WAVE or JSON text can write a value of this type (a resource handle cannot be written). */
export function writable(type: WitType): boolean {
  switch (type.kind) {
    case 'own': case 'borrow': case 'future': case 'stream': case 'error-context': return false;
    case 'list': case 'option': return writable(type.kind === 'list' ? type.element : type.type);
    case 'tuple': return type.types.every(writable);
    case 'record': return type.fields.every((f) => writable(f.type));
    case 'variant': return type.cases.every((c) => !c.type || writable(c.type));
    case 'result': return (!type.ok || writable(type.ok)) && (!type.err || writable(type.err));
    default: return true;
  }
}

/** Whether `--invoke` can call an export: a free function, not async, whose arguments and result can be written. */
export function invocable(e: ExportedFunction): boolean {
  const f = e.function;
  return !f.name.startsWith('[') && !f.async && f.params.every((p) => writable(p.type)) && (!f.result || writable(f.result));
}

/**
 * The exports `--invoke` accepts, one per line under its interface (world-level functions first),
 * and a note on how many others exist and why they are left out.
 */
export function formatInvocableExports(world: ComponentWorld): string {
  const all = exportedFunctions(world);
  const callable = all.filter(invocable);
  const lines: string[] = [];
  let owner: string | undefined;
  for (const e of callable) {
    const name = e.interface?.name;
    if (name !== owner && name) lines.push(`  ${name}:`);
    owner = name;
    lines.push(`${name ? '    ' : '  '}${printFunction(e.function)}`);
  }
  const skipped = all.length - callable.length;
  if (lines.length === 0) lines.push('  (none)');
  if (skipped) {
    lines.push(`  (${skipped} more use resources or are async; --invoke cannot call ${skipped === 1 ? 'it' : 'them'})`);
  }
  return lines.join('\n');
}
