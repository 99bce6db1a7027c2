// The type of `(instance (instantiate c (with …)))`: the component's exports, with
// each imported type replaced by the type supplied for it, so exported signatures
// refer to the instantiating component's types (and keep their `use` origins).

import type { ComponentEntry, Extern, InstanceEntry, Labelled, TypeEntry } from './entries.js';

/** An argument passed to `instantiate`, resolved from its sort and index. */
export type InstantiateArg = Extern;

/** Computes the instance type produced by instantiating `comp` with `args`. */
export function instantiate(comp: ComponentEntry, args: Map<string, InstantiateArg>): InstanceEntry {
  const map = new Map<TypeEntry, TypeEntry>();
  for (const [name, imp] of comp.imports) {
    const arg = args.get(name);
    if (arg === undefined) continue;
    if (imp.sort === 'type' && arg.sort === 'type') map.set(imp.type, arg.type);
    if (imp.sort === 'instance' && arg.sort === 'instance') {
      for (const [n, e] of imp.type.exports) {
        const a = arg.type.exports.get(n);
        if (e.sort === 'type' && a?.sort === 'type') map.set(e.type, a.type);
      }
    }
  }
  if (map.size === 0) return { k: 'instance', exports: comp.exports };
  const s = new Substitution(map);
  return { k: 'instance', exports: s.externs(comp.exports) };
}

/** Rewrites type graphs, replacing mapped entries; unchanged parts are shared, not copied. */
class Substitution {
  private readonly memo = new Map<TypeEntry, TypeEntry>();

  constructor(private readonly map: Map<TypeEntry, TypeEntry>) {}

  externs(exports: Map<string, Extern>): Map<string, Extern> {
    const out = new Map<string, Extern>();
    for (const [name, e] of exports) out.set(name, this.extern(e));
    return out;
  }

  extern(e: Extern): Extern {
    switch (e.sort) {
      case 'type': return { sort: 'type', type: this.type(e.type) };
      case 'func': case 'instance': case 'component': return { ...e, type: this.type(e.type) } as Extern;
      default: return e;
    }
  }

  type(e: TypeEntry): TypeEntry {
    const mapped = this.map.get(e) ?? this.memo.get(e);
    if (mapped !== undefined) return mapped;
    const out = this.rebuild(e);
    this.memo.set(e, out);
    return out;
  }

  private opt(e: TypeEntry | undefined): TypeEntry | undefined {
    return e === undefined ? undefined : this.type(e);
  }

  private labelled(ls: Labelled[]): Labelled[] {
    return ls.map((l) => ({ name: l.name, type: this.type(l.type) }));
  }

  private rebuild(e: TypeEntry): TypeEntry {
    switch (e.k) {
      case 'named': return { ...e, target: this.type(e.target) };
      case 'record': return { k: 'record', fields: this.labelled(e.fields) };
      case 'variant': return { k: 'variant', cases: e.cases.map((c) => (c.type ? { name: c.name, type: this.type(c.type) } : c)) };
      case 'list': return { ...e, element: this.type(e.element) };
      case 'tuple': return { k: 'tuple', types: e.types.map((t) => this.type(t)) };
      case 'option': return { k: 'option', type: this.type(e.type) };
      case 'result': return { k: 'result', ok: this.opt(e.ok), err: this.opt(e.err) };
      case 'own': case 'borrow': return { k: e.k, resource: this.type(e.resource) };
      case 'future': case 'stream': return e.type === undefined ? e : { k: e.k, type: this.type(e.type) };
      case 'func': return {
        ...e,
        params: this.labelled(e.params),
        result: this.opt(e.result),
      };
      case 'instance': return { k: 'instance', exports: this.externs(e.exports) };
      case 'component': return { k: 'component', imports: this.externs(e.imports), exports: this.externs(e.exports) };
      default: return e; // primitives, error-context, flags, enums, resources: nothing to replace
    }
  }
}
