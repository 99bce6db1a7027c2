// Prints what a WIT package (encoded as a component) defines, in WIT-like text: each
// interface with its types and functions, then each world with its imports and exports.

import { printWorld } from './print-wit.js';
import type { WitPackage } from './wit-types.js';

/** The interfaces and worlds of `pkg`, one block each. */
export function printWitPackage(pkg: WitPackage): string {
  const blocks: string[] = [];
  for (const i of pkg.interfaces) {
    // printWorld shows an interface as a world's `export <name>: interface {…}`; a package defines it.
    const text = printWorld({ imports: [], exports: [{ kind: 'interface', interface: i }] });
    blocks.push(text.replace(/^export (\S+): interface \{/, 'interface $1 {'));
  }
  for (const w of pkg.worlds) {
    const body = printWorld(w).trimEnd();
    const indented = body.split('\n').map((line) => `  ${line}`).join('\n');
    blocks.push(body === '' ? `world ${w.name} {}\n` : `world ${w.name} {\n${indented}\n}\n`);
  }
  return blocks.join('\n');
}
