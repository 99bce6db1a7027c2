// Sorts (what kind of item an index refers to) and alias definitions, shared by
// component bodies and component/instance type declarations.

import type { ByteReader } from './byte-reader.js';
import { corrupt, hex } from './decode-error.js';
import type { Scope } from './entries.js';

/** A component-level sort, or `core` for any core sort. */
export type Sort = 'core' | 'func' | 'value' | 'type' | 'component' | 'instance';

const SORTS: Record<number, Sort> = { 0x01: 'func', 0x02: 'value', 0x03: 'type', 0x04: 'component', 0x05: 'instance' };

/** The core sort byte of a core module, the only core item a component instance can export. */
const CORE_MODULE = 0x11;

/** Reads a `sort` (a core sort is consumed and reported as `core`). */
export function readSort(r: ByteReader): { sort: Sort; coreSort?: number } {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x00) return { sort: 'core', coreSort: r.u8() };
  const sort = SORTS[b];
  if (sort === undefined) throw corrupt(`unknown sort ${hex(b)}`, at, r.where);
  return { sort };
}

/** The scope `count` levels out from `scope` (for `outer` aliases). */
function outer(scope: Scope, count: number, at: number, r: ByteReader): Scope {
  let s: Scope | undefined = scope;
  for (let i = 0; i < count && s !== undefined; i++) s = s.parent;
  if (s === undefined) throw corrupt(`outer alias reaches ${count} scopes out, past the outermost component`, at, r.where);
  return s;
}

function outOfRange(what: string, idx: number, at: number, r: ByteReader): Error {
  return corrupt(`${what} index ${idx} is out of range`, at, r.where);
}

/** Reads one `alias` and pushes the aliased item onto `scope`'s index spaces. */
export function readAlias(r: ByteReader, scope: Scope): void {
  const { sort, coreSort } = readSort(r);
  const at = r.pos;
  const target = r.u8();
  if (target === 0x00) {
    const idxAt = r.pos;
    const idx = r.u32();
    const name = r.name();
    const slot = scope.instances[idx];
    if (slot === undefined) throw outOfRange('instance', idx, idxAt, r);
    const ext = slot.type.exports.get(name);
    if (ext === undefined) throw corrupt(`instance ${idx} has no export named "${name}"`, idxAt, r.where);
    const wanted = sort !== 'core' ? sort : coreSort === CORE_MODULE ? 'module' : `core item of sort ${hex(coreSort ?? 0)}`;
    if (ext.sort !== wanted) throw corrupt(`export "${name}" of instance ${idx} is a ${ext.sort}, not a ${wanted}`, idxAt, r.where);
    if (ext.sort === 'type') {
      scope.types.push(slot.name === undefined ? ext.type : { k: 'named', name, target: ext.type, origin: slot.name });
    } else if (ext.sort === 'func') scope.funcs.push(ext.type);
    else if (ext.sort === 'instance') scope.instances.push({ type: ext.type, name });
    else if (ext.sort === 'component') scope.components.push(ext.type);
  } else if (target === 0x01) {
    if (sort !== 'core') throw corrupt('a core export alias must have a core sort', at, r.where);
    r.u32();
    r.name();
  } else if (target === 0x02) {
    const ct = r.u32();
    const idxAt = r.pos;
    const idx = r.u32();
    const from = outer(scope, ct, at, r);
    if (sort === 'type') {
      const e = from.types[idx];
      if (e === undefined) throw outOfRange('outer type', idx, idxAt, r);
      scope.types.push(e);
    } else if (sort === 'component') {
      const c = from.components[idx];
      if (c === undefined) throw outOfRange('outer component', idx, idxAt, r);
      scope.components.push(c);
    } else if (sort !== 'core') {
      throw corrupt(`an outer alias cannot alias the ${sort} sort`, at, r.where);
    }
  } else {
    throw corrupt(`unknown alias target ${hex(target)}`, at, r.where);
  }
}
