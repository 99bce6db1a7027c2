// Core WebAssembly constructs that can appear inside a component outside of core
// modules: core types (incl. module types) and core instances. They carry no WIT
// information, so they are parsed only far enough to step over them.

import type { ByteReader } from './byte-reader.js';
import { corrupt, hex, unsupported } from './decode-error.js';

/** Skips one `core:type` as found in a core type section or a type declarator. */
export function skipCoreType(r: ByteReader): void {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x50) return skipModuleType(r);
  if (b === 0x4e) {
    for (let n = r.count(); n > 0; n--) skipSubType(r, r.u8());
    return;
  }
  if (b === 0x00) {
    if (r.u8() !== 0x50) throw corrupt('expected 0x50 after 0x00 in a core type', at, r.where);
    return skipSubType(r, 0x50);
  }
  if (b === 0x4f) return skipSubType(r, b);
  skipCompType(r, b, at);
}

function skipSubType(r: ByteReader, b: number): void {
  if (b === 0x50 || b === 0x4f) {
    for (let n = r.count(); n > 0; n--) r.u32();
    const at = r.pos;
    return skipCompType(r, r.u8(), at);
  }
  skipCompType(r, b, r.pos - 1);
}

function skipCompType(r: ByteReader, b: number, at: number): void {
  switch (b) {
    case 0x60:
      for (let n = r.count(); n > 0; n--) skipCoreValType(r);
      for (let n = r.count(); n > 0; n--) skipCoreValType(r);
      return;
    case 0x5f:
      for (let n = r.count(); n > 0; n--) skipFieldType(r);
      return;
    case 0x5e:
      return skipFieldType(r);
    default:
      throw unsupported(`core type form ${hex(b)}`, at, r.where);
  }
}

function skipFieldType(r: ByteReader): void {
  const b = r.peek();
  if (b === 0x78 || b === 0x77) r.u8();
  else skipCoreValType(r);
  r.u8(); // mutability
}

/** Skips a core value type (numeric, vector or reference). */
export function skipCoreValType(r: ByteReader): void {
  const at = r.pos;
  const b = r.u8();
  if (b >= 0x7b && b <= 0x7f) return;
  if (b >= 0x69 && b <= 0x75) return; // abstract heap type shorthands
  if (b === 0x63 || b === 0x64) return void r.s33();
  throw unsupported(`core value type ${hex(b)}`, at, r.where);
}

function skipLimits(r: ByteReader): void {
  const flags = r.u8();
  r.skipLeb();
  if (flags & 0x01) r.skipLeb();
  if (flags & 0x08) r.u32();
}

/** Skips a core extern type (import/export descriptor). */
function skipCoreExternType(r: ByteReader): void {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case 0x00: r.u32(); return;
    case 0x01: skipCoreValType(r); skipLimits(r); return;
    case 0x02: skipLimits(r); return;
    case 0x03: skipCoreValType(r); r.u8(); return;
    case 0x04: r.u8(); r.u32(); return;
    default: throw unsupported(`core import kind ${hex(b)}`, at, r.where);
  }
}

function skipModuleType(r: ByteReader): void {
  for (let n = r.count(); n > 0; n--) {
    const at = r.pos;
    const b = r.u8();
    if (b === 0x00) { r.name(); r.name(); skipCoreExternType(r); }
    else if (b === 0x01) skipCoreType(r);
    else if (b === 0x02) { r.u8(); r.u8(); r.u32(); r.u32(); }
    else if (b === 0x03) { r.name(); skipCoreExternType(r); }
    else throw corrupt(`unknown module type declarator ${hex(b)}`, at, r.where);
  }
}

/** Skips one core instance definition (instantiate a module, or bundle exports). */
export function skipCoreInstance(r: ByteReader): void {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x00) {
    r.u32();
    for (let n = r.count(); n > 0; n--) { r.name(); r.u8(); r.u32(); }
  } else if (b === 0x01) {
    for (let n = r.count(); n > 0; n--) { r.name(); r.u8(); r.u32(); }
  } else {
    throw corrupt(`unknown core instance form ${hex(b)}`, at, r.where);
  }
}
