// Decodes a `type` definition: value, function, resource, component and instance
// types. Component and instance types open a nested scope of their own.

import type { ByteReader } from './byte-reader.js';
import { hex, unsupported, corrupt } from './decode-error.js';
import { newScope, type ComponentEntry, type InstanceEntry, type Scope, type TypeEntry } from './entries.js';
import { skipCoreType, skipCoreValType } from './core-skip.js';
import { bindExtern, readExternName, readExternType } from './extern-types.js';
import { readAlias } from './sorts.js';
import { readDefValType, readFuncType } from './val-types.js';

/** How deeply components and type declarations may nest before we refuse. */
export const MAX_DEPTH = 100;

/** Opens a scope inside `parent`, refusing absurd nesting (which would exhaust the stack). */
export function childScope(parent: Scope, at: number, r: ByteReader): Scope {
  if (parent.depth >= MAX_DEPTH) throw unsupported(`nesting deeper than ${MAX_DEPTH} levels`, at, r.where);
  return newScope(parent);
}

/** Reads one `type` definition in `scope`. */
export function readDefType(r: ByteReader, scope: Scope): TypeEntry {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case 0x40: return readFuncType(r, scope, false);
    case 0x43: return readFuncType(r, scope, true);
    case 0x41: return readComponentType(r, childScope(scope, at, r));
    case 0x42: return readInstanceType(r, childScope(scope, at, r));
    case 0x3f:
      skipCoreValType(r);
      if (r.u8() === 0x01) r.u32();
      return { k: 'resource' };
    default: return readDefValType(r, scope, b, at);
  }
}

/** Reads one declarator shared by component and instance types; false if `b` is not one. */
function readInstanceDecl(r: ByteReader, scope: Scope, b: number): boolean {
  switch (b) {
    case 0x00: skipCoreType(r); return true;
    case 0x01: scope.types.push(readDefType(r, scope)); return true;
    case 0x02: readAlias(r, scope); return true;
    case 0x04: {
      const { name } = readExternName(r);
      scope.exports.set(name, bindExtern(scope, name, readExternType(r, scope)));
      return true;
    }
    default: return false;
  }
}

function readInstanceType(r: ByteReader, scope: Scope): InstanceEntry {
  for (let n = r.count(); n > 0; n--) {
    const at = r.pos;
    const b = r.u8();
    if (!readInstanceDecl(r, scope, b)) throw corrupt(`unknown instance type declarator ${hex(b)}`, at, r.where);
  }
  return { k: 'instance', exports: scope.exports };
}

function readComponentType(r: ByteReader, scope: Scope): ComponentEntry {
  for (let n = r.count(); n > 0; n--) {
    const at = r.pos;
    const b = r.u8();
    if (b === 0x03) {
      const { name } = readExternName(r);
      scope.imports.set(name, bindExtern(scope, name, readExternType(r, scope)));
    } else if (!readInstanceDecl(r, scope, b)) {
      throw corrupt(`unknown component type declarator ${hex(b)}`, at, r.where);
    }
  }
  return { k: 'component', imports: scope.imports, exports: scope.exports };
}
