// Walks a component's sections in order, building its index spaces. Core modules and
// custom sections are skipped by size; nested components are walked recursively.

import { ByteReader } from './byte-reader.js';
import { readCanon } from './canon.js';
import { skipCoreInstance, skipCoreType } from './core-skip.js';
import { corrupt, hex } from './decode-error.js';
import { childScope, readDefType } from './def-types.js';
import { newScope, type Extern, type Scope } from './entries.js';
import { bindExtern, readExternName, readExternType } from './extern-types.js';
import { instantiate } from './instantiate.js';
import { readSection } from './sections.js';
import { readAlias, readSort } from './sorts.js';
import { peel, typeAt } from './val-types.js';

/** Section names by id, for messages. */
export const SECTION_NAMES = [
  'custom', 'core module', 'core instance', 'core type', 'component', 'instance',
  'alias', 'type', 'canon', 'start', 'import', 'export', 'value',
];

/** The component's own index spaces plus the `versionsuffix` attributes of its imports/exports. */
export interface DecodedComponent { scope: Scope; suffixes: Map<string, string> }

/** Decodes the component in `bytes[start, end)` (preamble included) inside `parent`. */
export function decodeComponent(bytes: Uint8Array, start: number, end: number, parent?: Scope, where?: string): DecodedComponent {
  const r = new ByteReader(bytes, start, end, where);
  const scope = parent === undefined ? newScope() : childScope(parent, start, r);
  const head = r.take(8);
  if (head[0] !== 0x00 || head[1] !== 0x61 || head[2] !== 0x73 || head[3] !== 0x6d || head[4] !== 0x0d || head[6] !== 0x01) {
    throw corrupt('a nested component does not start with a component preamble', start, where);
  }
  const suffixes = new Map<string, string>();
  while (!r.done()) {
    const s = readSection(r, SECTION_NAMES);
    const sr = s.reader;
    switch (s.id) {
      case 0: case 1: case 9: case 12: sr.pos = sr.end; break;
      case 2: for (let n = sr.count(); n > 0; n--) skipCoreInstance(sr); break;
      case 3: for (let n = sr.count(); n > 0; n--) skipCoreType(sr); break;
      case 4: {
        const inner = decodeComponent(bytes, sr.pos, sr.end, scope, sr.where).scope;
        scope.components.push({ k: 'component', imports: inner.imports, exports: inner.exports });
        sr.pos = sr.end;
        break;
      }
      case 5: for (let n = sr.count(); n > 0; n--) readInstance(sr, scope); break;
      case 6: for (let n = sr.count(); n > 0; n--) readAlias(sr, scope); break;
      case 7: for (let n = sr.count(); n > 0; n--) scope.types.push(readDefType(sr, scope)); break;
      case 8: for (let n = sr.count(); n > 0; n--) readCanon(sr, scope); break;
      case 10: for (let n = sr.count(); n > 0; n--) {
        const { name, versionSuffix } = readExternName(sr);
        if (versionSuffix !== undefined) suffixes.set(name, versionSuffix);
        scope.imports.set(name, bindExtern(scope, name, readExternType(sr, scope)));
      } break;
      case 11: for (let n = sr.count(); n > 0; n--) {
        const { name, versionSuffix } = readExternName(sr);
        if (versionSuffix !== undefined) suffixes.set(name, versionSuffix);
        readExport(sr, scope, name);
      } break;
      default: throw corrupt(`unknown section id ${s.id}`, s.start, where);
    }
    if (sr.pos !== sr.end) throw corrupt(`${sr.end - sr.pos} unread bytes at the end of the section`, sr.pos, sr.where);
  }
  return { scope, suffixes };
}

/** Resolves a `sortidx` in `scope` to what it refers to (core items carry nothing). */
function readSortIdx(r: ByteReader, scope: Scope): Extern {
  const { sort } = readSort(r);
  const at = r.pos;
  const idx = r.u32();
  const missing = () => corrupt(`${sort} index ${idx} is out of range`, at, r.where);
  switch (sort) {
    case 'type': return { sort, type: typeAt(scope, idx, at, r) };
    case 'func': { const t = scope.funcs[idx]; if (!t) throw missing(); return { sort, type: t }; }
    case 'instance': { const t = scope.instances[idx]; if (!t) throw missing(); return { sort, type: t.type }; }
    case 'component': { const t = scope.components[idx]; if (!t) throw missing(); return { sort, type: t }; }
    case 'value': return { sort: 'value' };
    default: return { sort: 'module' };
  }
}

function readInstance(r: ByteReader, scope: Scope): void {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x00) {
    const idx = r.u32();
    const comp = scope.components[idx];
    if (comp === undefined) throw corrupt(`component index ${idx} is out of range`, at + 1, r.where);
    const args = new Map<string, Extern>();
    for (let n = r.count(); n > 0; n--) args.set(r.name(), readSortIdx(r, scope));
    scope.instances.push({ type: instantiate(comp, args) });
  } else if (b === 0x01) {
    const exports = new Map<string, Extern>();
    for (let n = r.count(); n > 0; n--) {
      const { name } = readExternName(r);
      const item = readSortIdx(r, scope);
      exports.set(name, item.sort === 'type' ? { sort: 'type', type: { k: 'named', name, target: item.type } } : item);
    }
    scope.instances.push({ type: { k: 'instance', exports } });
  } else {
    throw corrupt(`unknown instance form ${hex(b)}`, at, r.where);
  }
}

/** Reads an export's target and optional ascribed type; the export adds a new index. */
function readExport(r: ByteReader, scope: Scope, name: string): void {
  const item = readSortIdx(r, scope);
  const ascribed = r.u8() === 0x01 ? readExternType(r, scope) : undefined;
  let ext: Extern = item;
  if (ascribed !== undefined && ascribed.sort !== 'type' && ascribed.sort === item.sort) ext = ascribed;
  if (ext.sort === 'type') {
    const target = peel(ext.type);
    if (target.k === 'resource' && target.name === undefined) target.name = name; // name a defined resource by its first export
    const type = { k: 'named' as const, name, target: ext.type };
    scope.types.push(type);
    scope.exports.set(name, { sort: 'type', type });
    return;
  }
  if (ext.sort === 'func') scope.funcs.push(ext.type);
  else if (ext.sort === 'instance') scope.instances.push({ type: ext.type, name });
  else if (ext.sort === 'component') scope.components.push(ext.type);
  scope.exports.set(name, ext);
}
