// What runs inside a component, as far as calling its core exports directly is concerned.
// The scalar fast path (runtime/fast-call.ts) stands in for jco's glue by calling a core
// export itself; that is only the same call when the glue would do nothing but lift it:
// one core module instance, `canon lift` and nothing else, and nested components that
// only re-export with types (wit-component's shims). Anything else — inner instances
// calling each other, canonical built-ins (resource.*, context.*, task.*, …), a start
// function — needs the glue's per-call task state, so it names the first such part.

import { ByteReader } from './byte-reader.js';
import { readCanonOptions } from './canon.js';
import { skipCoreInstance } from './core-skip.js';
import { SECTION_NAMES } from './decode-component.js';
import { readExternName } from './extern-types.js';
import { readSection } from './sections.js';
import { readSort } from './sorts.js';

/** Sections a type-only (shim) component may have: custom, core type, alias, type, import, export. */
const SHIM_SECTIONS = new Set([0, 3, 6, 7, 10, 11]);

/** Names of the canonical built-ins people meet most, for the reason text. */
const BUILTIN_NAMES: Record<number, string> = {
  0x01: 'lower', 0x02: 'resource.new', 0x03: 'resource.drop', 0x04: 'resource.rep', 0x05: 'task.cancel', 0x08: 'backpressure.set',
  0x09: 'task.return', 0x0a: 'context.get', 0x0b: 'context.set', 0x0c: 'thread.yield', 0x0d: 'subtask.drop',
};

/** Lift options the fast path does not model: async (0x06) and callback (0x07). */
const ASYNC_OPTIONS = new Set([0x06, 0x07]);

/**
 * Why the component in `bytes` does something beyond lifting exports of a single core
 * instance, or undefined when it does not. `bytes` must already decode (read-world.ts).
 */
export function codeStructureBlocker(bytes: Uint8Array): string | undefined {
  const r = new ByteReader(bytes, 8, bytes.length, 'component');
  let modules = 0;
  let instantiations = 0;
  while (!r.done()) {
    const s = readSection(r, SECTION_NAMES);
    const sr = s.reader;
    switch (s.id) {
      case 1: if (++modules > 1) return 'it has more than one core module'; break;
      case 2: for (let n = sr.count(); n > 0; n--) {
        if (sr.bytes[sr.pos] === 0x00 && ++instantiations > 1) return 'it instantiates more than one core module';
        skipCoreInstance(sr);
      } break;
      case 4: if (!isShim(bytes, sr.pos, sr.end)) return 'it nests a component with code or instances of its own'; break;
      case 6: for (let n = sr.count(); n > 0; n--) if (aliasesComponent(sr)) return 'it aliases a component'; break;
      case 8: for (let n = sr.count(); n > 0; n--) {
        const blocker = liftOnly(sr);
        if (blocker) return blocker;
      } break;
      case 9: return 'it has a start function';
      case 10: for (let n = sr.count(); n > 0; n--) {
        const blocker = importOfData(sr);
        if (blocker) return blocker;
      } break;
      case 12: return 'it has a value section';
      default: break; // custom, core type, instance, type, export: no code of their own
    }
  }
  return undefined;
}

/** True when the component in `bytes[start, end)` only declares types, imports and exports. */
function isShim(bytes: Uint8Array, start: number, end: number): boolean {
  const r = new ByteReader(bytes, start + 8, end, 'nested component');
  while (!r.done()) if (!SHIM_SECTIONS.has(readSection(r, SECTION_NAMES).id)) return false;
  return true;
}

/** Reads one alias; true when it brings a component into scope (one that may run code). */
function aliasesComponent(r: ByteReader): boolean {
  const { sort } = readSort(r);
  const target = r.u8();
  r.u32();
  if (target === 0x02) r.u32();
  else r.name();
  return sort === 'component';
}

/**
 * Reads one import; a reason when it brings in a component (whose instances would run code
 * the fast path cannot see) or a value. Other imports run no code here (function imports
 * are ruled out from the world).
 */
function importOfData(r: ByteReader): string | undefined {
  readExternName(r);
  const sort = r.u8();
  if (sort === 0x04) return 'it imports a component';
  if (sort === 0x02) return 'it imports a value';
  if (sort === 0x00) r.u8();
  if (sort === 0x03 && r.u8() !== 0x00) return undefined; // (sub resource): nothing follows
  r.u32();
  return undefined;
}

/** Reads one canon definition; a reason unless it is a synchronous `canon lift`. */
function liftOnly(r: ByteReader): string | undefined {
  const op = r.u8();
  if (op !== 0x00) return `it uses the canonical built-in ${BUILTIN_NAMES[op] ?? `0x${op.toString(16)}`}`;
  r.u8();
  r.u32();
  if (readCanonOptions(r).some((o) => ASYNC_OPTIONS.has(o))) return 'it lifts a function with the async ABI';
  r.u32();
  return undefined;
}
