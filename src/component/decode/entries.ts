// The decoder's internal model: what each index of a component's index spaces holds.
// Entries point at each other directly (not by index), so they stay valid when they
// are aliased into other scopes or passed through `instantiate`.

import type { WitPrimitive } from '../wit-types.js';

/** A labelled value type: a record field, a parameter, or a legacy named result. */
export interface Labelled { name: string; type: TypeEntry }

/** A structural value type (what `defvaltype` encodes), with its parts resolved. */
export type ValEntry =
  | { k: 'prim'; prim: WitPrimitive }
  | { k: 'error-context' }
  | { k: 'record'; fields: Labelled[] }
  | { k: 'variant'; cases: { name: string; type?: TypeEntry }[] }
  | { k: 'list'; element: TypeEntry; length?: number }
  | { k: 'tuple'; types: TypeEntry[] }
  | { k: 'flags'; names: string[] }
  | { k: 'enum'; names: string[] }
  | { k: 'option'; type: TypeEntry }
  | { k: 'result'; ok?: TypeEntry; err?: TypeEntry }
  | { k: 'own'; resource: TypeEntry }
  | { k: 'borrow'; resource: TypeEntry }
  | { k: 'future'; type?: TypeEntry }
  | { k: 'stream'; type?: TypeEntry };

/** A type given a name by an export, an import or an `alias export` (which records `origin`). */
export interface NamedEntry { k: 'named'; name: string; target: TypeEntry; origin?: string }

/** A resource type: a fresh abstract `(sub resource)` or a defined `(resource (rep i32))`. */
export interface ResourceEntry { k: 'resource'; name?: string }

/** A component function type. `legacyResults` marks old-style named multiple results, folded into an unnamed record. */
export interface FuncEntry {
  k: 'func';
  params: Labelled[];
  result?: TypeEntry;
  legacyResults?: boolean;
  async: boolean;
}

/** What an import or export carries, by sort. */
export type Extern =
  | { sort: 'func'; type: FuncEntry }
  | { sort: 'type'; type: TypeEntry }
  | { sort: 'instance'; type: InstanceEntry }
  | { sort: 'component'; type: ComponentEntry }
  | { sort: 'module' }
  | { sort: 'value' };

/** An instance type: its exports in order. */
export interface InstanceEntry { k: 'instance'; exports: Map<string, Extern> }

/** A component type: its imports and exports in order. */
export interface ComponentEntry { k: 'component'; imports: Map<string, Extern>; exports: Map<string, Extern> }

/** Anything the component type index space can hold. */
export type TypeEntry = ValEntry | NamedEntry | ResourceEntry | FuncEntry | InstanceEntry | ComponentEntry;

/** An instance in the instance index space; `name` is the import/export/alias name it came by. */
export interface InstanceSlot { type: InstanceEntry; name?: string }

/** One level of index spaces: a component body, or a component/instance type declaration. */
export interface Scope {
  parent?: Scope;
  depth: number;
  types: TypeEntry[];
  funcs: FuncEntry[];
  instances: InstanceSlot[];
  components: ComponentEntry[];
  imports: Map<string, Extern>;
  exports: Map<string, Extern>;
}

/** A fresh scope nested in `parent` (or the root). */
export function newScope(parent?: Scope): Scope {
  return {
    parent, depth: parent === undefined ? 0 : parent.depth + 1,
    types: [], funcs: [], instances: [], components: [], imports: new Map(), exports: new Map(),
  };
}
