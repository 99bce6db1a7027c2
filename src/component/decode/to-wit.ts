// Converts decoded entries into the shared WIT model (wit-types.ts): value types keep
// the names given by type exports, resource handles name their resource, and type
// exports that re-export another interface's type become `use`s.

import { WasmhostError } from '../../errors.js';
import type { WitFunction, WitInterface, WitType, WitTypeDef } from '../wit-types.js';
import type { FuncEntry, InstanceEntry, TypeEntry } from './entries.js';
import { parseFunctionName, parseInterfaceName } from './names.js';
import { peel } from './val-types.js';

/** Deepest value-type nesting we convert (deeper input would exhaust the stack). */
const MAX_TYPE_DEPTH = 500;
/**
 * wasmhost's type-size budget: type nodes of the whole world, counted as expanded (a shared
 * type once per use), as printing, JSON or a walk over the world visits them.
 */
export const TYPE_NODE_BUDGET = 100_000;
/** wasmhost's printed-size budget: characters of the names in the world's types, counted as expanded. */
export const TYPE_TEXT_BUDGET = 2 ** 20;

/** Expanded size of a type: nodes, and characters of the names it prints. */
interface Size { nodes: number; chars: number }

const NAMEABLE = new Set(['list', 'tuple', 'record', 'variant', 'enum', 'flags', 'option', 'result', 'future', 'stream']);

/** Converts entries to WIT types, sharing the result for each entry it has seen. */
export class WitConverter {
  private readonly memo = new Map<TypeEntry, WitType>();
  private readonly sizes = new Map<TypeEntry, Size>();
  private readonly total: Size = { nodes: 0, chars: 0 };
  private depth = 0;

  /** The WIT type of a value-type entry. */
  type(e: TypeEntry): WitType {
    const hit = this.memo.get(e);
    if (hit !== undefined) return hit;
    if (++this.depth > MAX_TYPE_DEPTH) {
      throw new WasmhostError('unsupported', `unsupported component: value types nested deeper than ${MAX_TYPE_DEPTH} levels`);
    }
    try {
      const out = this.build(e);
      this.checkSize(e);
      this.memo.set(e, out);
      return out;
    } finally {
      this.depth--;
    }
  }

  private build(e: TypeEntry): WitType {
    const opt = (t: TypeEntry | undefined) => (t === undefined ? undefined : this.type(t));
    switch (e.k) {
      case 'named': {
        const inner = this.type(e.target);
        if (inner.kind === 'primitive') return { ...inner, alias: e.name };
        return NAMEABLE.has(inner.kind) ? ({ ...inner, name: e.name } as WitType) : inner;
      }
      case 'prim': return { kind: 'primitive', name: e.prim };
      case 'error-context': return { kind: 'error-context' };
      case 'record': return { kind: 'record', fields: e.fields.map((f) => ({ name: f.name, type: this.type(f.type) })) };
      case 'variant': return {
        kind: 'variant',
        cases: e.cases.map((c) => (c.type === undefined ? { name: c.name } : { name: c.name, type: this.type(c.type) })),
      };
      case 'list': {
        const element = this.type(e.element);
        return e.length === undefined ? { kind: 'list', element } : { kind: 'list', element, length: e.length };
      }
      case 'tuple': return { kind: 'tuple', types: e.types.map((t) => this.type(t)) };
      case 'flags': return { kind: 'flags', flags: [...e.names] };
      case 'enum': return { kind: 'enum', cases: [...e.names] };
      case 'option': return { kind: 'option', type: this.type(e.type) };
      case 'result': {
        const ok = opt(e.ok);
        const err = opt(e.err);
        return { kind: 'result', ...(ok && { ok }), ...(err && { err }) };
      }
      case 'own': case 'borrow': return { kind: e.k, resource: resourceName(e.resource) };
      case 'future': case 'stream': {
        const t = opt(e.type);
        return t === undefined ? { kind: e.k } : { kind: e.k, type: t };
      }
      default:
        throw new WasmhostError('not-a-component', `corrupt component: a ${e.k} type is used where a value type is required`);
    }
  }

  /**
   * Records a type's expanded size, refusing one past the budgets: parts are shared in memory,
   * but printing or walking them visits each use, which a crafted component makes exponential.
   */
  private checkSize(e: TypeEntry): void {
    const size: Size = { nodes: 1, chars: 0 };
    const add = (t: TypeEntry | undefined, label = '') => {
      size.chars += label.length;
      if (t === undefined) return;
      const part = this.sizes.get(t) ?? { nodes: 1, chars: 0 };
      size.nodes += part.nodes;
      size.chars += part.chars;
    };
    switch (e.k) {
      case 'named': add(e.target, e.name); break;
      case 'option': add(e.type); break;
      case 'record': e.fields.forEach((f) => add(f.type, f.name)); break;
      case 'variant': e.cases.forEach((c) => add(c.type, c.name)); break;
      case 'list': add(e.element); break;
      case 'tuple': e.types.forEach((t) => add(t)); break;
      case 'result': add(e.ok); add(e.err); break;
      case 'future': case 'stream': add(e.type); break;
      case 'flags': case 'enum': e.names.forEach((n) => add(undefined, n)); break;
      default: break;
    }
    checkBudgets(size);
    this.sizes.set(e, size);
  }

  /** Counts one use of `e` in the world against the budgets. */
  private use(e: TypeEntry | undefined, label: string): void {
    const size = e === undefined ? { nodes: 0, chars: 0 } : this.sizes.get(e) ?? { nodes: 1, chars: 0 };
    this.total.nodes += size.nodes;
    this.total.chars += size.chars + label.length;
    checkBudgets(this.total);
  }

  /** The WIT function `name` of type `f`. */
  func(name: string, f: FuncEntry): WitFunction {
    const n = parseFunctionName(name);
    const out: WitFunction = { name: n.name, params: f.params.map((p) => ({ name: p.name, type: this.type(p.type) })) };
    if (f.result !== undefined) out.result = this.type(f.result);
    this.use(undefined, name);
    for (const p of f.params) this.use(p.type, p.name);
    this.use(f.result, '');
    if (f.async || n.async) out.async = true;
    if (n.kind !== undefined) {
      out.kind = n.kind;
      out.resource = n.resource;
    }
    return out;
  }

  /** The WIT type definition introduced by exporting/importing `e` as `name`. */
  typeDef(name: string, e: TypeEntry): WitTypeDef {
    const def = this.buildTypeDef(name, e);
    this.use(this.sizes.has(e) ? e : e.k === 'named' && this.sizes.has(e.target) ? e.target : undefined, name);
    return def;
  }

  private buildTypeDef(name: string, e: TypeEntry): WitTypeDef {
    if (e.k === 'resource') return { name, type: { kind: 'resource' } };
    if (e.k !== 'named') return { name, type: this.type(e) };
    const t = e.target;
    const isResource = peel(t).k === 'resource';
    if (t.k === 'named' && t.origin !== undefined) {
      return { name, type: isResource ? { kind: 'resource' } : this.type(t), from: { interface: t.origin, name: t.name } };
    }
    if (isResource) return t.k === 'named' ? { name, type: { kind: 'resource' }, from: { name: t.name } } : { name, type: { kind: 'resource' } };
    return { name, type: this.type(t.k === 'named' ? t : e) };
  }

  /** The WIT interface `name` whose contents are the instance type `inst`. */
  iface(name: string, inst: InstanceEntry, versionSuffix?: string): WitInterface {
    const parsed = parseInterfaceName(name, versionSuffix);
    const out: WitInterface = parsed === undefined
      ? { name, interfaceName: name, types: [], functions: [] }
      : { name, package: parsed.package, interfaceName: parsed.interfaceName, types: [], functions: [] };
    for (const [n, ext] of inst.exports) {
      if (ext.sort === 'type') out.types.push(this.typeDef(n, ext.type));
      else if (ext.sort === 'func') out.functions.push(this.func(n, ext.type));
    }
    return out;
  }
}

function checkBudgets(size: Size): void {
  if (size.nodes > TYPE_NODE_BUDGET) {
    throw new WasmhostError('unsupported', `unsupported component: its types expand to more than ${TYPE_NODE_BUDGET} nodes, counting a shared type at each use (wasmhost's type-size budget); it is refused rather than printed or walked`, {
      data: { budget: 'type-nodes', limit: TYPE_NODE_BUDGET },
    });
  }
  if (size.chars > TYPE_TEXT_BUDGET) {
    throw new WasmhostError('unsupported', `unsupported component: the names in its types expand to more than ${TYPE_TEXT_BUDGET} characters, counting a shared type at each use (wasmhost's printed-size budget); it is refused rather than printed`, {
      data: { budget: 'type-text', limit: TYPE_TEXT_BUDGET },
    });
  }
}

/** The name a handle's resource is known by where the handle is used. */
function resourceName(e: TypeEntry): string {
  if (e.k === 'named') return e.name;
  if (e.k === 'resource' && e.name !== undefined) return e.name;
  return '<unnamed resource>';
}
