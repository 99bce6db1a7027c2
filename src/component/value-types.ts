// Shared facts about WIT value types for WAVE and JSON conversion: integer ranges,
// jco's naming and option rules, type descriptions and error paths for messages.

import { WasmhostError } from '../errors.js';
import type { WitPrimitive, WitType } from './wit-types.js';

/** One step into a nested value: a record field, a list/tuple index, or a variant/result case payload. */
export type PathStep = { field: string } | { index: number } | { case: string };

/** Where a value sits inside a bigger one, outermost step first. */
export type ValuePath = readonly PathStep[];

/** Renders a path as text: `b[2].c`, `[0].some-case`; empty at the root. */
export function formatPath(path: ValuePath): string {
  let text = '';
  for (const step of path) {
    if ('index' in step) text += `[${step.index}]`;
    else text += (text ? '.' : '') + ('field' in step ? step.field : step.case);
  }
  return text;
}

/** Renders a path as a message prefix: `field b[2]: `, `in [0].a: `, or nothing at the root. */
export function pathPrefix(path: ValuePath): string {
  if (path.length === 0) return '';
  return `${'field' in path[0] ? 'field' : 'in'} ${formatPath(path)}: `;
}

/** A `bad-input` error naming where the problem is (`data.path` holds the path text). */
export function badInput(path: ValuePath, message: string, data?: Record<string, unknown>): WasmhostError {
  return new WasmhostError('bad-input', pathPrefix(path) + message, { data: { ...data, path: formatPath(path) } });
}

/** Inclusive ranges of the WIT integer types. */
export const INT_RANGES: Partial<Record<WitPrimitive, readonly [bigint, bigint]>> = {
  u8: [0n, 255n], s8: [-128n, 127n], u16: [0n, 65535n], s16: [-32768n, 32767n],
  u32: [0n, 4294967295n], s32: [-2147483648n, 2147483647n],
  u64: [0n, 18446744073709551615n], s64: [-9223372036854775808n, 9223372036854775807n],
};

/** True for the 64-bit integer types, which jco represents as bigint. */
export function isBigIntType(name: WitPrimitive): boolean {
  return name === 'u64' || name === 's64';
}

/** jco's name for a kebab-case WIT field or flag: `field-one` → `fieldOne`, `HTTP-get` → `httpGet`. */
export function lowerCamel(name: string): string {
  return name.split('-').map((word, i) => {
    const lower = word.toLowerCase();
    return i === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
  }).join('');
}

/** jco's rule: `option<T>` is `T | undefined` unless T itself is such an option; then `{ tag: 'some' | 'none', val }`. */
export function optionUsesUndefined(type: WitType): boolean {
  return type.kind === 'option' && !optionUsesUndefined(type.type);
}

type TypedArrayCtor =
  | Uint8ArrayConstructor | Int8ArrayConstructor | Uint16ArrayConstructor | Int16ArrayConstructor
  | Uint32ArrayConstructor | Int32ArrayConstructor | BigUint64ArrayConstructor | BigInt64ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor;

const TYPED_ARRAYS: Partial<Record<WitPrimitive, TypedArrayCtor>> = {
  u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array, u32: Uint32Array, s32: Int32Array,
  u64: BigUint64Array, s64: BigInt64Array, f32: Float32Array, f64: Float64Array,
};

/** The typed array jco uses for a list of this element type (`list<u8>` → Uint8Array), if any. */
export function typedArrayFor(element: WitType): TypedArrayCtor | undefined {
  return element.kind === 'primitive' ? TYPED_ARRAYS[element.name] : undefined;
}

/** A short WIT-like description of a type for messages: `u8`, `list<string>`, `record r1`. */
export function describeType(type: WitType): string {
  const named = 'name' in type && type.name && type.kind !== 'primitive' ? type.name : undefined;
  switch (type.kind) {
    case 'primitive': return type.name;
    case 'record': case 'variant': case 'enum': case 'flags':
      return named ? `${type.kind} ${named}` : type.kind;
    case 'own': return type.resource;
    case 'borrow': return `borrow<${type.resource}>`;
    case 'error-context': return 'error-context';
    default: break;
  }
  if (named) return named;
  switch (type.kind) {
    case 'list': return `list<${describeType(type.element)}${type.length === undefined ? '' : `, ${type.length}`}>`;
    case 'tuple': return `tuple<${type.types.map(describeType).join(', ')}>`;
    case 'option': return `option<${describeType(type.type)}>`;
    case 'result':
      if (!type.ok && !type.err) return 'result';
      return `result<${type.ok ? describeType(type.ok) : '_'}${type.err ? `, ${describeType(type.err)}` : ''}>`;
    case 'future': case 'stream': return type.type ? `${type.kind}<${describeType(type.type)}>` : type.kind;
  }
}

/** Index of the first lone surrogate in a string, or -1 when it is valid Unicode. */
export function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
      return i;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

/** A short description of a JS value for "got …" in messages. */
export function describeJs(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value)}`;
  if (typeof value === 'bigint') return `bigint ${value}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return (value as { constructor: { name: string } }).constructor.name;
  return typeof value === 'object' ? 'object' : typeof value;
}
