// Reads a component's world (imports and exports with full WIT types) straight from
// its binary, without transpiling: the component-model binary format, types only.

import { withArticle } from '../article.js';
import { WasmhostError } from '../errors.js';
import { decodeComponent } from './decode/decode-component.js';
import type { Extern, Scope } from './decode/entries.js';
import { checkPreamble } from './decode/preamble.js';
import { WitConverter } from './decode/to-wit.js';
import { peel } from './decode/val-types.js';
import type { ComponentWorld, WitPackage, WorldItem } from './wit-types.js';

/**
 * Decodes the world of the component in `bytes`; throws `not-a-component` or `unsupported`,
 * or `wit-package` (its interfaces and worlds in `data.package`) for a WIT package.
 */
export function readWorld(bytes: Uint8Array): ComponentWorld {
  checkPreamble(bytes);
  try {
    const { scope, suffixes } = decodeComponent(bytes, 0, bytes.length, undefined, 'component');
    const wit = new WitConverter();
    if (isWitPackage(scope)) throw witPackageError(readPackage(scope, wit));
    return buildWorld(scope.imports, scope.exports, suffixes, wit);
  } catch (e) {
    if (e instanceof WasmhostError) throw e;
    throw new WasmhostError('not-a-component', `could not decode the component: ${String(e)}`, { cause: e });
  }
}

/** The package a `wit-package` error carries, or undefined for any other error. */
export function witPackageIn(error: unknown): WitPackage | undefined {
  if (!(error instanceof WasmhostError) || error.code !== 'wit-package') return undefined;
  return (error.data as { package?: WitPackage } | undefined)?.package;
}

/**
 * A WIT package encoded as a component (what `wasm-tools component wit --wasm` writes):
 * no imports, and every export a component type, as wit-component decides it.
 */
function isWitPackage(scope: Scope): boolean {
  if (scope.imports.size > 0 || scope.exports.size === 0) return false;
  return [...scope.exports.values()].every((e) => e.sort === 'type' && peel(e.type).k === 'component');
}

/** Each exported component type holds interfaces (instance exports) and worlds (component exports). */
function readPackage(scope: Scope, wit: WitConverter): WitPackage {
  const pkg: WitPackage = { interfaces: [], worlds: [] };
  for (const ext of scope.exports.values()) {
    const doc = ext.sort === 'type' ? peel(ext.type) : undefined;
    if (doc?.k !== 'component') continue;
    for (const [name, item] of doc.exports) {
      if (item.sort === 'instance') pkg.interfaces.push(wit.iface(name, item.type));
      else if (item.sort === 'component') pkg.worlds.push({ name, ...buildWorld(item.type.imports, item.type.exports, new Map(), wit) });
    }
  }
  return pkg;
}

function witPackageError(pkg: WitPackage): WasmhostError {
  const defines = [...pkg.interfaces.map((i) => `interface ${i.name}`), ...pkg.worlds.map((w) => `world ${w.name}`)];
  return new WasmhostError(
    'wit-package',
    `this is a WIT package (interface types only), not a runnable component: it defines ${defines.join(', ') || 'no interface or world'}; build a component that targets one of its worlds and run that`,
    { data: { package: pkg } },
  );
}

function buildWorld(imports: Map<string, Extern>, exports: Map<string, Extern>, suffixes: Map<string, string>, wit: WitConverter): ComponentWorld {
  const refuse = (direction: string, what: string, name: string) => new WasmhostError(
    'unsupported',
    `unsupported component: it ${direction}s ${withArticle(what)} named "${name}", which WIT cannot describe`,
  );
  const item = (direction: string, name: string, ext: Extern): WorldItem => {
    switch (ext.sort) {
      case 'instance': return { kind: 'interface', interface: wit.iface(name, ext.type, suffixes.get(name)) };
      case 'func': return { kind: 'function', function: wit.func(name, ext.type) };
      case 'type': {
        const k = peel(ext.type).k;
        if (k === 'component' || k === 'instance' || k === 'func') throw refuse(direction, `${k} type`, name);
        return { kind: 'type', type: wit.typeDef(name, ext.type) };
      }
      default: throw refuse(direction, ext.sort === 'module' ? 'core module' : ext.sort, name);
    }
  };
  return {
    imports: [...imports].map(([name, ext]) => item('import', name, ext)),
    exports: [...exports].map(([name, ext]) => item('export', name, ext)),
  };
}
