// Import/export names and extern types, and how a declared import or export adds a
// new entry to a scope's index spaces (`(eq i)` names a type; `(sub resource)` makes
// a fresh resource).

import type { ByteReader } from './byte-reader.js';
import { corrupt, hex } from './decode-error.js';
import type { ComponentEntry, Extern, FuncEntry, InstanceEntry, Scope, TypeEntry } from './entries.js';
import { peel, readValType, typeAt } from './val-types.js';

/** An extern type before it is bound to a name: a type bound is kept unresolved. */
export type ExternDesc =
  | Exclude<Extern, { sort: 'type' }>
  | { sort: 'type'; eq?: TypeEntry };

/** An import/export name with its optional `versionsuffix` attribute. */
export interface ExternName { name: string; versionSuffix?: string }

/** Reads `nameattributes`: a name, optionally followed by attributes. */
export function readExternName(r: ByteReader): ExternName {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x00 || b === 0x01) return { name: r.name() };
  if (b !== 0x02) throw corrupt(`unknown import/export name form ${hex(b)}`, at, r.where);
  const name = r.name();
  let versionSuffix: string | undefined;
  for (let n = r.count(); n > 0; n--) {
    const kindAt = r.pos;
    const kind = r.u8();
    if (kind > 0x02) throw corrupt(`unknown name attribute ${hex(kind)}`, kindAt, r.where);
    const value = r.name();
    if (kind === 0x01) versionSuffix = value;
  }
  return versionSuffix === undefined ? { name } : { name, versionSuffix };
}

function typeOfKind<K extends TypeEntry['k']>(scope: Scope, r: ByteReader, k: K): Extract<TypeEntry, { k: K }> {
  const at = r.pos;
  const idx = r.u32();
  const e = peel(typeAt(scope, idx, at, r));
  if (e.k !== k) throw corrupt(`type index ${idx} is a ${e.k} type where a ${k} type is required`, at, r.where);
  return e as Extract<TypeEntry, { k: K }>;
}

/** Reads an `externtype` (what an import or export declares). */
export function readExternType(r: ByteReader, scope: Scope): ExternDesc {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case 0x00:
      if (r.u8() !== 0x11) throw corrupt('expected 0x11 (core module) in an extern type', at, r.where);
      r.u32();
      return { sort: 'module' };
    case 0x01: return { sort: 'func', type: typeOfKind(scope, r, 'func') as FuncEntry };
    case 0x02:
      if (r.u8() === 0x00) r.u32();
      else readValType(r, scope);
      return { sort: 'value' };
    case 0x03: {
      const boundAt = r.pos;
      const bound = r.u8();
      if (bound === 0x01) return { sort: 'type' };
      if (bound !== 0x00) throw corrupt(`unknown type bound ${hex(bound)}`, boundAt, r.where);
      const idxAt = r.pos;
      return { sort: 'type', eq: typeAt(scope, r.u32(), idxAt, r) };
    }
    case 0x04: return { sort: 'component', type: typeOfKind(scope, r, 'component') as ComponentEntry };
    case 0x05: return { sort: 'instance', type: typeOfKind(scope, r, 'instance') as InstanceEntry };
    default: throw corrupt(`unknown extern type ${hex(b)}`, at, r.where);
  }
}

/** Adds the entry an import/export declaration introduces to `scope`, and returns it. */
export function bindExtern(scope: Scope, name: string, desc: ExternDesc): Extern {
  switch (desc.sort) {
    case 'type': {
      const type: TypeEntry = desc.eq === undefined ? { k: 'resource', name } : { k: 'named', name, target: desc.eq };
      scope.types.push(type);
      return { sort: 'type', type };
    }
    case 'func': scope.funcs.push(desc.type); return desc;
    case 'instance': scope.instances.push({ type: desc.type, name }); return desc;
    case 'component': scope.components.push(desc.type); return desc;
    default: return desc;
  }
}
