// Reads a component's world (imports and exports with full WIT types) straight from
// its binary, without transpiling: the component-model binary format, types only.

import { withArticle } from '../article.js';
import { WasmhostError } from '../errors.js';
import { decodeComponent } from './decode/decode-component.js';
import type { Extern, Scope } from './decode/entries.js';
import { checkPreamble } from './decode/preamble.js';
import { WitConverter } from './decode/to-wit.js';
import type { ComponentWorld, WorldItem } from './wit-types.js';

/** Decodes the world of the component in `bytes`; throws `not-a-component` or `unsupported`. */
export function readWorld(bytes: Uint8Array): ComponentWorld {
  checkPreamble(bytes);
  try {
    const { scope, suffixes } = decodeComponent(bytes, 0, bytes.length, undefined, 'component');
    return buildWorld(scope, suffixes);
  } catch (e) {
    if (e instanceof WasmhostError) throw e;
    throw new WasmhostError('not-a-component', `could not decode the component: ${String(e)}`, { cause: e });
  }
}

function buildWorld(scope: Scope, suffixes: Map<string, string>): ComponentWorld {
  const wit = new WitConverter();
  const item = (direction: string, name: string, ext: Extern): WorldItem => {
    switch (ext.sort) {
      case 'instance': return { kind: 'interface', interface: wit.iface(name, ext.type, suffixes.get(name)) };
      case 'func': return { kind: 'function', function: wit.func(name, ext.type) };
      case 'type': return { kind: 'type', type: wit.typeDef(name, ext.type) };
      default: throw new WasmhostError(
        'unsupported',
        `unsupported component: it ${direction}s ${withArticle(ext.sort === 'module' ? 'core module' : ext.sort)} named "${name}", which WIT cannot describe`,
      );
    }
  };
  return {
    imports: [...scope.imports].map(([name, ext]) => item('import', name, ext)),
    exports: [...scope.exports].map(([name, ext]) => item('export', name, ext)),
  };
}
