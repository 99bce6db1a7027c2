// Prints what a WIT package (encoded as a component) defines as a WIT document that WIT
// tools accept: `package ns:name@version;`, each interface, then each world.

import { parseInterfaceName } from './decode/names.js';
import { packageKey, printInterfaceBlock, printWorldBlock } from './print-world.js';
import type { WitPackage, WitPackageId } from './wit-types.js';

/** The package's WIT text; empty for a package that defines nothing. */
export function printWitPackage(pkg: WitPackage): string {
  const id = pkg.interfaces.find((i) => i.package !== undefined)?.package
    ?? pkg.worlds.map((w) => parseInterfaceName(w.name)?.package).find((p) => p !== undefined);
  const blocks: string[][] = [
    ...pkg.interfaces.map(printInterfaceBlock),
    ...pkg.worlds.map((w) => printWorldBlock(parseInterfaceName(w.name)?.interfaceName ?? w.name, w, id)),
  ];
  if (blocks.length === 0) return '';
  return [...header(id), ...blocks.flatMap((b, n) => (n === 0 ? b : ['', ...b]))].join('\n') + '\n';
}

function header(id: WitPackageId | undefined): string[] {
  return id === undefined ? [] : [`package ${packageKey(id)};`, ''];
}
