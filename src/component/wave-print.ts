// A component value (jco's JavaScript representation) to canonical WAVE text, formatted
// as wasm-wave writes it: `{a: 1, b: [2, 3]}`, `some("x")`, `%ok`, floats as their shortest round-trip text.

import { withArticle } from '../article.js';
import type { WitPrimitive, WitType } from './wit-types.js';
import {
  readBool, readChar, readEnum, readFlags, readFloat, readInt, readList, readOption, readRecord,
  readResult, readString, readTuple, readVariant,
} from './jco-values.js';
import { badInput, describeJs, describeType, type ValuePath } from './value-types.js';
import { KEYWORDS } from './wave-lexer.js';

/** Prints a value of the given WIT type as canonical WAVE text; `parseWave` reads it back to an equal value. */
export function printWave(value: unknown, type: WitType): string {
  return print(value, type, []);
}

function print(value: unknown, type: WitType, path: ValuePath): string {
  switch (type.kind) {
    case 'primitive': return primitive(value, type.name, path);
    case 'list': {
      const items = readList(value, type, path);
      return `[${Array.from(items, (v, i) => print(v, type.element, [...path, { index: i }])).join(', ')}]`;
    }
    case 'tuple': return `(${readTuple(value, type, path).map((v, i) => print(v, type.types[i], [...path, { index: i }])).join(', ')})`;
    case 'record': {
      const values = readRecord(value, type, path);
      const entries = type.fields.flatMap((field, i) => {
        const fieldType = field.type;
        if (fieldType.kind === 'option' && !readOption(values[i], fieldType, path).some) return [];
        return [`${field.name}: ${print(values[i], fieldType, [...path, { field: field.name }])}`];
      });
      return entries.length ? `{${entries.join(', ')}}` : '{:}';
    }
    case 'variant': {
      const { case: wcase, val } = readVariant(value, type, path);
      const label = caseLabel(wcase.name);
      return wcase.type ? `${label}(${print(val, wcase.type, [...path, { case: wcase.name }])})` : label;
    }
    case 'enum': return caseLabel(readEnum(value, type, path));
    case 'flags': return `{${readFlags(value, type, path).join(', ')}}`;
    case 'option': {
      const option = readOption(value, type, path);
      return option.some ? `some(${print(option.val, type.type, path)})` : 'none';
    }
    case 'result': {
      const { ok, val } = readResult(value, type, path);
      const payloadType = ok ? type.ok : type.err;
      const tag = ok ? 'ok' : 'err';
      return payloadType ? `${tag}(${print(val, payloadType, [...path, { case: tag }])})` : tag;
    }
    case 'own': case 'borrow':
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
        throw badInput(path, `expected ${withArticle(type.resource)} resource handle, got ${describeJs(value)}`);
      }
      return `<resource ${type.resource}>`;
    default: return `<${describeType(type)}>`;
  }
}

function caseLabel(name: string): string {
  return KEYWORDS.includes(name) ? `%${name}` : name;
}

function primitive(value: unknown, name: WitPrimitive, path: ValuePath): string {
  switch (name) {
    case 'bool': return String(readBool(value, path));
    case 'char': return `'${escape(readChar(value, path))}'`;
    case 'string': return `"${escape(readString(value, path))}"`;
    case 'f32': case 'f64': return formatFloat(readFloat(value, name, path), name);
    default: return String(readInt(value, name, path));
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', "'": "\\'", '\t': '\\t', '\n': '\\n', '\r': '\\r' };
// What wasm-wave writes as \u{…}: controls, invisible or unassigned code points, combining marks.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\p{Grapheme_Extend}]/u;

/** Escapes a string's characters the way wasm-wave does (both quote kinds, controls as \u{…}). */
function escape(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[ch];
    else if (ch !== ' ' && UNPRINTABLE.test(ch)) out += `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
    else out += ch;
  }
  return out;
}

/**
 * Shortest decimal that reads back to the same f32/f64: plain digits between 1e-7 and 1e21
 * (as JavaScript writes numbers), an exponent outside (`1e308`, `5e-324`), never 300 zeros.
 */
function formatFloat(x: number, name: 'f32' | 'f64'): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let exponential = x.toExponential();
  if (name === 'f32') {
    for (let digits = 1; digits <= 9; digits++) {
      exponential = x.toExponential(digits - 1);
      if (Math.fround(Number(exponential)) === x) break;
    }
  }
  const [mantissa, exp] = exponential.split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = Number(exp) + 1;
  if (point < -5 || point > 21) return `${mantissa}e${Number(exp)}`;
  const plain = point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length)
    : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + plain;
}
