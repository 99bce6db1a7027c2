// jco's JavaScript representation of component values: readers that check a value
// against its WIT type (for printing), builders that make one (for parsing).

import type { WitCase, WitPrimitive, WitType } from './wit-types.js';
import {
  badInput, describeJs, describeType, INT_RANGES, isBigIntType, loneSurrogateAt, lowerCamel,
  optionUsesUndefined, typedArrayFor, type ValuePath,
} from './value-types.js';

type Of<K extends WitType['kind']> = Extract<WitType, { kind: K }>;

function mismatch(path: ValuePath, type: WitType, value: unknown, note = ''): Error {
  return badInput(path, `expected ${describeType(type)}, got ${describeJs(value)}${note}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Why an integer does not fit a WIT integer type (`out of range 0..255`), or undefined when it fits. */
export function intRangeProblem(value: bigint, name: WitPrimitive): string | undefined {
  const range = INT_RANGES[name];
  if (!range) return `${name} is not an integer type`;
  return value < range[0] || value > range[1] ? `out of range ${range[0]}..${range[1]}` : undefined;
}

/** Reads a bool. */
export function readBool(value: unknown, path: ValuePath): boolean {
  if (typeof value !== 'boolean') throw mismatch(path, { kind: 'primitive', name: 'bool' }, value);
  return value;
}

/** Reads an integer (number or bigint) of an integer type, checking its range. */
export function readInt(value: unknown, name: WitPrimitive, path: ValuePath): bigint {
  const type: WitType = { kind: 'primitive', name };
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else throw mismatch(path, type, value, typeof value === 'number' ? ' (not an integer)' : '');
  const problem = intRangeProblem(big, name);
  if (problem) throw badInput(path, `expected ${name}, got ${big} (${problem})`);
  return big;
}

/** Reads an f32/f64 as a number (f32 rounded to single precision). */
export function readFloat(value: unknown, name: WitPrimitive, path: ValuePath): number {
  if (typeof value !== 'number') throw mismatch(path, { kind: 'primitive', name }, value);
  return name === 'f32' ? Math.fround(value) : value;
}

/** Reads a string, refusing lone surrogates (not Unicode scalar values). */
export function readString(value: unknown, path: ValuePath, name: 'string' | 'char' = 'string'): string {
  if (typeof value !== 'string') throw mismatch(path, { kind: 'primitive', name }, value);
  const bad = loneSurrogateAt(value);
  if (bad >= 0) {
    const unit = value.charCodeAt(bad).toString(16);
    throw badInput(path, `expected ${name}, got a string with a lone surrogate \\u{${unit}} at index ${bad}`);
  }
  return value;
}

/** Reads a char: a string of exactly one Unicode scalar value. */
export function readChar(value: unknown, path: ValuePath): string {
  const text = readString(value, path, 'char');
  const count = [...text].length;
  if (count !== 1) throw badInput(path, `expected char, got ${describeJs(value)} (${count} characters, need exactly 1)`);
  return text;
}

/** Reads a list: an Array or a typed array; checks a fixed length. */
export function readList(value: unknown, type: Of<'list'>, path: ValuePath): ArrayLike<unknown> {
  const ok = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!ok) throw mismatch(path, type, value);
  const list = value as ArrayLike<unknown>;
  if (type.length !== undefined && list.length !== type.length) {
    throw badInput(path, `expected ${describeType(type)} of ${type.length} elements, got ${list.length}`);
  }
  return list;
}

/** Reads a tuple: an Array of the right length. */
export function readTuple(value: unknown, type: Of<'tuple'>, path: ValuePath): unknown[] {
  if (!Array.isArray(value)) throw mismatch(path, type, value);
  if (value.length !== type.types.length) {
    throw badInput(path, `expected ${describeType(type)} with ${type.types.length} elements, got ${value.length}`);
  }
  return value;
}

/** Reads a record's field values in WIT order; fields are lowerCamelCase keys, absent option fields are none. */
export function readRecord(value: unknown, type: Of<'record'>, path: ValuePath): unknown[] {
  if (!isObject(value)) throw mismatch(path, type, value);
  const keys = type.fields.map((f) => lowerCamel(f.name));
  const unknown = Object.keys(value).find((k) => !keys.includes(k));
  if (unknown !== undefined) {
    throw badInput(path, `unknown field key '${unknown}' for ${describeType(type)} (valid: ${keys.join(', ')})`);
  }
  return type.fields.map((field, i) => {
    const v = value[keys[i]];
    if (v === undefined && !optionUsesUndefined(field.type)) {
      throw badInput(path, `missing field '${field.name}' (key ${keys[i]}) of ${describeType(type)}`);
    }
    return v;
  });
}

function readTag(value: unknown, type: WitType, path: ValuePath, tags: string[]): string {
  if (!isObject(value) || typeof value.tag !== 'string') throw mismatch(path, type, value, ' (need { tag, val })');
  if (!tags.includes(value.tag)) {
    throw badInput(path, `unknown case '${value.tag}' for ${describeType(type)} (valid: ${tags.join(', ')})`);
  }
  return value.tag;
}

/** Reads a variant `{ tag: 'case-name', val? }`. */
export function readVariant(value: unknown, type: Of<'variant'>, path: ValuePath): { case: WitCase; val: unknown } {
  const tag = readTag(value, type, path, type.cases.map((c) => c.name));
  return { case: type.cases.find((c) => c.name === tag) as WitCase, val: (value as { val?: unknown }).val };
}

/** Reads an enum: its case name as a string. */
export function readEnum(value: unknown, type: Of<'enum'>, path: ValuePath): string {
  if (typeof value !== 'string') throw mismatch(path, type, value);
  if (!type.cases.includes(value)) {
    throw badInput(path, `unknown case '${value}' for ${describeType(type)} (valid: ${type.cases.join(', ')})`);
  }
  return value;
}

/** Reads flags `{ flagName: boolean }` and returns the WIT names of those set, in WIT order. */
export function readFlags(value: unknown, type: Of<'flags'>, path: ValuePath): string[] {
  if (!isObject(value)) throw mismatch(path, type, value);
  const keys = type.flags.map(lowerCamel);
  for (const [k, v] of Object.entries(value)) {
    if (!keys.includes(k)) throw badInput(path, `unknown flag key '${k}' for ${describeType(type)} (valid: ${keys.join(', ')})`);
    if (v !== undefined && typeof v !== 'boolean') throw badInput(path, `flag key '${k}': expected boolean, got ${describeJs(v)}`);
  }
  return type.flags.filter((_, i) => value[keys[i]] === true);
}

/** Reads an option: `T | undefined`, or `{ tag: 'some' | 'none', val }` when nested (jco's rule). */
export function readOption(value: unknown, type: Of<'option'>, path: ValuePath): { some: boolean; val?: unknown } {
  if (optionUsesUndefined(type)) return value === undefined || value === null ? { some: false } : { some: true, val: value };
  const tag = readTag(value, type, path, ['none', 'some']);
  return tag === 'none' ? { some: false } : { some: true, val: (value as { val?: unknown }).val };
}

/** Reads a result `{ tag: 'ok' | 'err', val }`. */
export function readResult(value: unknown, type: Of<'result'>, path: ValuePath): { ok: boolean; val: unknown } {
  const tag = readTag(value, type, path, ['ok', 'err']);
  return { ok: tag === 'ok', val: (value as { val?: unknown }).val };
}

/** Builds an integer of a checked range: number, or bigint for u64/s64. */
export function makeInt(value: bigint, name: WitPrimitive): number | bigint {
  return isBigIntType(name) ? value : Number(value);
}

/** Builds a list: jco's typed array for numeric element types, otherwise an Array. */
export function makeList(element: WitType, items: unknown[]): unknown {
  const typed = typedArrayFor(element);
  return typed ? (typed as unknown as { from(items: unknown[]): unknown }).from(items) : items;
}

/** Builds a record object with lowerCamelCase keys from field values in WIT order. */
export function makeRecord(type: Of<'record'>, values: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  type.fields.forEach((field, i) => { record[lowerCamel(field.name)] = values[i]; });
  return record;
}

/** Builds a variant value; a case without payload has no `val` key (as jco lifts it). */
export function makeVariant(wcase: WitCase, val?: unknown): { tag: string; val?: unknown } {
  return wcase.type ? { tag: wcase.name, val } : { tag: wcase.name };
}

/** Builds a flags object with every flag present as a boolean (as jco lifts it). */
export function makeFlags(type: Of<'flags'>, set: ReadonlySet<string>): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const name of type.flags) flags[lowerCamel(name)] = set.has(name);
  return flags;
}

/** Builds an option value: none or some(val), in jco's form for this option type. */
export function makeOption(type: Of<'option'>, some: boolean, val?: unknown): unknown {
  if (optionUsesUndefined(type)) return some ? val : undefined;
  return some ? { tag: 'some', val } : { tag: 'none' };
}

/** Builds a result value `{ tag, val }` (val undefined when the case has no payload). */
export function makeResult(ok: boolean, val?: unknown): { tag: 'ok' | 'err'; val: unknown } {
  return { tag: ok ? 'ok' : 'err', val };
}
