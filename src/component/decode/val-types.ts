// Decodes value types (`valtype`, `defvaltype`) and function types against a scope's
// type index space.

import type { WitPrimitive } from '../wit-types.js';
import type { ByteReader } from './byte-reader.js';
import { corrupt, hex, unsupported } from './decode-error.js';
import type { FuncEntry, Labelled, Scope, TypeEntry, ValEntry } from './entries.js';

const PRIMS: Record<number, WitPrimitive> = {
  0x7f: 'bool', 0x7e: 's8', 0x7d: 'u8', 0x7c: 's16', 0x7b: 'u16', 0x7a: 's32', 0x79: 'u32',
  0x78: 's64', 0x77: 'u64', 0x76: 'f32', 0x75: 'f64', 0x74: 'char', 0x73: 'string',
};
const PRIM_ENTRIES = new Map<number, ValEntry>(
  Object.entries(PRIMS).map(([b, prim]) => [Number(b), { k: 'prim', prim }]),
);
const ERROR_CONTEXT: ValEntry = { k: 'error-context' };

/** The primitive (or error-context) entry for an opcode byte, if it is one. */
function primitive(b: number): ValEntry | undefined {
  return b === 0x64 ? ERROR_CONTEXT : PRIM_ENTRIES.get(b);
}

/** Follows `named` links to the underlying type. */
export function peel(e: TypeEntry): TypeEntry {
  while (e.k === 'named') e = e.target;
  return e;
}

/** Looks up a type index, failing with the offset where the index was read. */
export function typeAt(scope: Scope, idx: number, at: number, r: ByteReader): TypeEntry {
  const e = scope.types[idx];
  if (e === undefined) throw corrupt(`type index ${idx} is out of range (${scope.types.length} types defined)`, at, r.where);
  return e;
}

/** Reads a `valtype`: a primitive opcode or an index to a defined value type. */
export function readValType(r: ByteReader, scope: Scope): TypeEntry {
  const at = r.pos;
  const prim = primitive(r.peek());
  if (prim !== undefined) {
    r.u8();
    return prim;
  }
  const idx = r.s33();
  if (idx < 0) throw unsupported(`value type ${hex(r.bytes[at])}`, at, r.where);
  const e = typeAt(scope, idx, at, r);
  const k = peel(e).k;
  if (k === 'func' || k === 'instance' || k === 'component' || k === 'resource') {
    throw corrupt(`type index ${idx} is a ${k} type where a value type is required`, at, r.where);
  }
  return e;
}

function readOptional<T>(r: ByteReader, read: () => T): T | undefined {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x00) return undefined;
  if (b === 0x01) return read();
  throw corrupt(`expected 0x00 or 0x01 for an optional item, found ${hex(b)}`, at, r.where);
}

function readLabelled(r: ByteReader, scope: Scope): Labelled[] {
  const out: Labelled[] = [];
  for (let n = r.count(); n > 0; n--) out.push({ name: r.name(), type: readValType(r, scope) });
  return out;
}

function readNames(r: ByteReader): string[] {
  const out: string[] = [];
  for (let n = r.count(); n > 0; n--) out.push(r.name());
  return out;
}

function readHandle(r: ByteReader, scope: Scope): TypeEntry {
  const at = r.pos;
  const idx = r.u32();
  const e = typeAt(scope, idx, at, r);
  if (peel(e).k !== 'resource') throw corrupt(`own/borrow of type index ${idx}, which is not a resource`, at, r.where);
  return e;
}

/** Reads a `defvaltype` whose opcode byte `b` (at `at`) was already consumed. */
export function readDefValType(r: ByteReader, scope: Scope, b: number, at: number): ValEntry {
  const prim = primitive(b);
  if (prim !== undefined) return prim;
  const val = () => readValType(r, scope);
  switch (b) {
    case 0x72: return { k: 'record', fields: readLabelled(r, scope) };
    case 0x71: {
      const cases: { name: string; type?: TypeEntry }[] = [];
      for (let n = r.count(); n > 0; n--) {
        const name = r.name();
        const type = readOptional(r, val);
        if (r.u8() !== 0x00) r.u32(); // legacy `refines` index
        cases.push(type === undefined ? { name } : { name, type });
      }
      return { k: 'variant', cases };
    }
    case 0x70: return { k: 'list', element: val() };
    case 0x67: return { k: 'list', element: val(), length: r.u32() };
    case 0x6f: {
      const types: TypeEntry[] = [];
      for (let n = r.count(); n > 0; n--) types.push(val());
      return { k: 'tuple', types };
    }
    case 0x6e: return { k: 'flags', names: readNames(r) };
    case 0x6d: return { k: 'enum', names: readNames(r) };
    case 0x6b: return { k: 'option', type: val() };
    case 0x6a: {
      const ok = readOptional(r, val);
      const err = readOptional(r, val);
      return { k: 'result', ...(ok && { ok }), ...(err && { err }) };
    }
    case 0x69: return { k: 'own', resource: readHandle(r, scope) };
    case 0x68: return { k: 'borrow', resource: readHandle(r, scope) };
    case 0x66: { const t = readOptional(r, val); return t ? { k: 'stream', type: t } : { k: 'stream' }; }
    case 0x65: { const t = readOptional(r, val); return t ? { k: 'future', type: t } : { k: 'future' }; }
    case 0x6c: throw unsupported('`union` types (removed from the component model)', at, r.where);
    case 0x63: throw unsupported('`map` types', at, r.where);
    default: throw corrupt(`unknown type form ${hex(b)}`, at, r.where);
  }
}

/** Reads a function type after its 0x40 (sync) or 0x43 (async) opcode. */
export function readFuncType(r: ByteReader, scope: Scope, isAsync: boolean): FuncEntry {
  const params = readLabelled(r, scope);
  const at = r.pos;
  const b = r.u8();
  if (b === 0x00) return { k: 'func', params, result: readValType(r, scope), async: isAsync };
  if (b !== 0x01) throw corrupt(`unknown result list form ${hex(b)}`, at, r.where);
  const named = readLabelled(r, scope);
  if (named.length === 0) return { k: 'func', params, async: isAsync };
  const result: ValEntry = { k: 'record', fields: named };
  return { k: 'func', params, result, legacyResults: true, async: isAsync };
}
