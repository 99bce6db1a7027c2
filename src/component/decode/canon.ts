// Canonical definitions. Only `canon lift` yields a component function (typed by its
// type index); every other built-in yields a core function, so it is just stepped over.

import type { ByteReader } from './byte-reader.js';
import { corrupt, hex, unsupported } from './decode-error.js';
import type { Scope } from './entries.js';
import { peel, readValType, typeAt } from './val-types.js';

/** Reads a canonical options list, returning each option's code (immediates are stepped over). */
export function readCanonOptions(r: ByteReader): number[] {
  const codes: number[] = [];
  for (let n = r.count(); n > 0; n--) {
    const at = r.pos;
    const b = r.u8();
    if (b === 0x03 || b === 0x04 || b === 0x05 || b === 0x07) r.u32();
    else if (b > 0x07) throw unsupported(`canonical option ${hex(b)}`, at, r.where);
    codes.push(b);
  }
  return codes;
}

function skipResultList(r: ByteReader, scope: Scope): void {
  if (r.u8() === 0x00) return void readValType(r, scope);
  for (let n = r.count(); n > 0; n--) { r.name(); readValType(r, scope); }
}

/** Immediates of each core-function-producing built-in: t = type index, o = options, b = flag byte, i = index, v = core valtype. */
const BUILTINS: Record<number, string> = {
  0x02: 't', 0x03: 't', 0x04: 't', 0x05: '', 0x06: 'b', 0x0a: 'vi', 0x0b: 'vi', 0x0c: 'b', 0x0d: '',
  0x0e: 't', 0x0f: 'to', 0x10: 'to', 0x11: 'tb', 0x12: 'tb', 0x13: 't', 0x14: 't',
  0x15: 't', 0x16: 'to', 0x17: 'to', 0x18: 'tb', 0x19: 'tb', 0x1a: 't', 0x1b: 't',
  0x1c: 'o', 0x1d: 'o', 0x1e: '', 0x1f: '', 0x20: 'bi', 0x21: 'bi', 0x22: '', 0x23: '',
  0x24: '', 0x25: '', 0x26: '', 0x27: 'ii', 0x28: '', 0x29: 'b', 0x2a: 'b', 0x2b: 'b', 0x2c: 'b', 0x2d: 'b',
  0x40: 'bi', 0x41: 'bii', 0x42: 'b',
};

/** Reads one `canon` definition, pushing lifted functions onto `scope.funcs`. */
export function readCanon(r: ByteReader, scope: Scope): void {
  const at = r.pos;
  const op = r.u8();
  if (op === 0x00 || op === 0x01) {
    if (r.u8() !== 0x00) throw corrupt('expected the func sort (0x00) in canon lift/lower', at, r.where);
    r.u32();
    readCanonOptions(r);
    if (op === 0x01) return;
    const idxAt = r.pos;
    const idx = r.u32();
    const ft = peel(typeAt(scope, idx, idxAt, r));
    if (ft.k !== 'func') throw corrupt(`canon lift with type index ${idx}, which is not a function type`, idxAt, r.where);
    scope.funcs.push(ft);
    return;
  }
  if (op === 0x09) {
    skipResultList(r, scope);
    readCanonOptions(r);
    return;
  }
  const imm = BUILTINS[op];
  if (imm === undefined) throw unsupported(`canonical built-in ${hex(op)}`, at, r.where);
  for (const c of imm) {
    if (c === 'o') readCanonOptions(r);
    else if (c === 'b' || c === 'v') r.u8();
    else r.u32();
  }
}
