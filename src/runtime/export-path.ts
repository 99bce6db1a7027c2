import { WasmhostError } from '../errors.js';
import { printFunction } from '../component/print-wit.js';
import type { ComponentWorld, WitFunction, WitInterface } from '../component/wit-types.js';

/** A function a caller can reach from outside the component. */
export interface ExportedFunction {
  /** Canonical path: `add` for a world-level function, `pkg:ns/iface@1.0.0#func` inside an interface. */
  path: string;
  /** The exported interface holding it, if any. */
  interface?: WitInterface;
  function: WitFunction;
}

/** Every exported function, world-level first, in declaration order. */
export function exportedFunctions(world: ComponentWorld): ExportedFunction[] {
  const out: ExportedFunction[] = [];
  for (const item of world.exports) {
    if (item.kind === 'function') out.push({ path: item.function.name, function: item.function });
  }
  for (const item of world.exports) {
    if (item.kind !== 'interface') continue;
    for (const fn of item.interface.functions) {
      out.push({ path: `${item.interface.name}#${fn.name}`, interface: item.interface, function: fn });
    }
  }
  return out;
}

/**
 * Finds the export a call names. Accepted forms: `func`, `pkg:ns/iface@ver#func`,
 * `pkg:ns/iface#func` (any version), `iface.func` and `iface#func` (short interface name).
 * A bare `func` that exists in several interfaces is ambiguous and says so.
 */
export function resolveExport(world: ComponentWorld, target: string): ExportedFunction {
  const all = exportedFunctions(world);
  const matches = all.filter((e) => pathMatches(e, target));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const worldLevel = matches.filter((m) => !m.interface);
    if (worldLevel.length === 1) return worldLevel[0];
    throw new WasmhostError('unknown-export', `'${clip(target)}' is ambiguous; it matches ${matches.slice(0, LISTED_EXPORTS).map((m) => clip(m.path)).join(', ')}${matches.length > LISTED_EXPORTS ? ` and ${matches.length - LISTED_EXPORTS} more` : ''}. Use the full path.`);
  }
  const shown = all.slice(0, LISTED_EXPORTS);
  const available = shown.map((e) => `  ${clip(e.path)}: ${clip(printFunction({ ...e.function, name: '' }).replace(/^: /, ''))}`);
  if (all.length > shown.length) available.push(`  … and ${all.length - shown.length} more`);
  throw new WasmhostError(
    'unknown-export',
    `the component has no export '${clip(target)}'.` +
      (available.length ? ` Available exports:\n${available.join('\n')}` : ' It exports no functions.'),
    { data: { target: clip(target), available: shown.map((e) => e.path), more: all.length - shown.length } },
  );
}

/** How many exports an unknown-export error lists (the rest are counted). */
export const LISTED_EXPORTS = 20;
/** Longest path or signature an error message quotes in full. */
const QUOTED_CHARS = 200;

const clip = (text: string) => (text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);

function pathMatches(e: ExportedFunction, target: string): boolean {
  if (!e.interface) return target === e.function.name;
  const fn = e.function.name;
  const iface = e.interface;
  const sep = Math.max(target.lastIndexOf('#'), target.lastIndexOf('.'));
  if (sep < 0) return target === fn;
  if (target.slice(sep + 1) !== fn) return false;
  const owner = target.slice(0, sep);
  if (owner === iface.name || owner === iface.interfaceName) return true;
  const pkg = iface.package;
  return pkg !== undefined && owner === `${pkg.namespace}:${pkg.name}/${iface.interfaceName}`;
}
