import { badInput } from '../../support/bad-input.js';
import { describe, expect, it } from 'vitest';
import { valueFromJson, valueToJson } from '../../../src/component/json-values.js';
import { parseWave } from '../../../src/component/wave.js';
import { describeType } from '../../../src/component/value-types.js';
import { WasmhostError } from '../../../src/errors.js';
import type { WitPrimitive, WitType } from '../../../src/component/wit-types.js';

const p = (name: WitPrimitive): WitType => ({ kind: 'primitive', name });
const list = (element: WitType): WitType => ({ kind: 'list', element });
const tuple = (...types: WitType[]): WitType => ({ kind: 'tuple', types });
const option = (type: WitType): WitType => ({ kind: 'option', type });
const result = (ok?: WitType, err?: WitType): WitType => ({ kind: 'result', ok, err });
const record: WitType = {
  kind: 'record', name: 'point',
  fields: [{ name: 'x-pos', type: p('u8') }, { name: 'big-n', type: p('u64') }, { name: 'note', type: option(p('string')) }],
};
const variant: WitType = { kind: 'variant', name: 'shape', cases: [{ name: 'empty' }, { name: 'circle-r', type: p('f64') }] };
const enumType: WitType = { kind: 'enum', name: 'mode', cases: ['fast-mode', 'slow'] };
const flags: WitType = { kind: 'flags', name: 'perms', flags: ['read', 'write-all', 'exec'] };
const nested3 = option(option(option(p('u8'))));

const rows = <T extends unknown[]>(items: T[]): ({ type: WitType; name: string } & Record<string, unknown>)[] =>
  items.map((row) => ({ type: row[0] as WitType, name: describeType(row[0] as WitType), a: row[1], b: row[2] }));

/** [type, JSON, jco value] — each is the other's only form. */
const CANONICAL: [WitType, unknown, unknown][] = [
  [p('bool'), false, false], [p('u8'), 255, 255], [p('s32'), -5, -5],
  [p('u64'), 9007199254740991, 9007199254740991n], [p('u64'), '18446744073709551615', 18446744073709551615n],
  [p('s64'), '-9223372036854775808', -9223372036854775808n], [p('s64'), -1, -1n],
  [p('f64'), 1.5, 1.5], [p('f64'), 'nan', NaN], [p('f64'), 'inf', Infinity], [p('f32'), '-inf', -Infinity],
  [p('f32'), Math.fround(0.1), Math.fround(0.1)],
  [p('char'), '😀', '😀'], [p('string'), 'a "b"\n', 'a "b"\n'],
  [list(p('u8')), [1, 2], new Uint8Array([1, 2])], [list(p('s64')), [1, '-9223372036854775808'], new BigInt64Array([1n, -9223372036854775808n])],
  [list(p('string')), ['a'], ['a']], [tuple(p('u8'), p('string')), [1, 'a'], [1, 'a']],
  [record, { 'x-pos': 1, 'big-n': 2, note: null }, { xPos: 1, bigN: 2n, note: undefined }],
  [record, { 'x-pos': 1, 'big-n': 2, note: 'n' }, { xPos: 1, bigN: 2n, note: 'n' }],
  [variant, 'empty', { tag: 'empty' }], [variant, { 'circle-r': 2 }, { tag: 'circle-r', val: 2 }],
  [enumType, 'fast-mode', 'fast-mode'],
  [flags, [], { read: false, writeAll: false, exec: false }], [flags, ['read', 'write-all'], { read: true, writeAll: true, exec: false }],
  [option(p('u8')), null, undefined], [option(p('u8')), 3, 3],
  [option(option(p('u8'))), null, { tag: 'none' }], [option(option(p('u8'))), { some: null }, { tag: 'some', val: undefined }],
  [option(option(p('u8'))), { some: 4 }, { tag: 'some', val: 4 }],
  [nested3, null, undefined], [nested3, { some: null }, { tag: 'none' }], [nested3, { some: { some: null } }, { tag: 'some', val: undefined }],
  [nested3, { some: { some: 5 } }, { tag: 'some', val: 5 }],
  [result(p('u8'), p('string')), { ok: 1 }, { tag: 'ok', val: 1 }], [result(p('u8'), p('string')), { err: 'x' }, { tag: 'err', val: 'x' }],
  [result(), { ok: null }, { tag: 'ok', val: undefined }], [result(), { err: null }, { tag: 'err', val: undefined }],
  [list(option(result(undefined, enumType))), [null, { ok: null }, { err: 'slow' }], [undefined, { tag: 'ok', val: undefined }, { tag: 'err', val: 'slow' }]],
];


describe('JSON mapping', () => {
  it.each(rows(CANONICAL))('$name $a', ({ type, a: json, b: value }) => {
    expect(valueToJson(value, type)).toStrictEqual(json);
    expect(valueFromJson(json, type)).toStrictEqual(value);
    expect(valueFromJson(JSON.parse(JSON.stringify(valueToJson(value, type))), type)).toStrictEqual(value);
  });

  it.each(rows<[WitType, unknown, unknown]>([
    [p('u8'), '12', 12], [p('u64'), 5, 5n], [p('s64'), '-5', -5n], [p('f64'), 3, 3],
    [record, { 'big-n': '7', 'x-pos': 0 }, { xPos: 0, bigN: 7n, note: undefined }],
    [variant, { empty: null }, { tag: 'empty' }], [result(), 'ok', { tag: 'ok', val: undefined }],
    [flags, ['exec', 'read'], { read: true, writeAll: false, exec: true }],
  ]))('accepts $name $a', ({ type, a: json, b: value }) => {
    expect(valueFromJson(json, type)).toStrictEqual(value);
  });

  it('agrees with WAVE on the same values', () => {
    const cases: [WitType, string][] = [
      [record, '{x-pos: 3, big-n: 18446744073709551615, note: some("n")}'], [list(p('f32')), '[0.1, nan, -inf]'],
      [nested3, 'some(some(none))'], [list(variant), '[empty, circle-r(1.5)]'], [flags, '{exec}'],
    ];
    for (const [type, text] of cases) {
      const value = parseWave(text, type);
      expect(valueFromJson(JSON.parse(JSON.stringify(valueToJson(value, type))), type)).toStrictEqual(value);
    }
  });
});

describe('JSON errors name the problem and the path', () => {
  it.each(rows<[WitType, unknown, string]>([
    [p('u8'), 256, 'expected u8, got 256 (out of range 0..255)'],
    [p('u8'), 1.5, 'expected u8, got number 1.5 (not an integer)'],
    [p('u64'), 2 ** 60, 'expected u64, got number 1152921504606847000 (not a safe integer: write large values as strings)'],
    [p('s64'), '1e3', 'expected s64, got string "1e3" (not a decimal integer)'],
    [p('f64'), 'NaN', 'expected f64, got string "NaN"'],
    [p('char'), 'ab', 'expected char, got string "ab" (2 characters, need exactly 1)'],
    [p('string'), '\ud800', 'lone surrogate'],
    [p('bool'), 'true', 'expected bool, got string "true"'],
    [list(p('u8')), { 0: 1 }, 'expected list<u8>, got object'],
    [list(record), [{ 'x-pos': 1, 'big-n': 1 }, { 'x-pos': 300, 'big-n': 1 }], 'in [1].x-pos: expected u8, got 300 (out of range 0..255)'],
    [record, { 'x-pos': 1 }, "missing field 'big-n' (u64) of record point"],
    [record, { xPos: 1, 'big-n': 1 }, "unknown field 'xPos' for record point (valid: x-pos, big-n, note)"],
    [tuple(p('u8')), [1, 2], 'expected tuple<u8> with 1 elements, got 2'],
    [variant, 'circle-r', `case 'circle-r' needs a payload: {"circle-r": …}`],
    [variant, { empty: 1 }, "case 'empty' takes no payload"],
    [variant, { square: 1 }, "unknown case 'square' for variant shape (valid: empty, circle-r)"],
    [variant, { empty: null, 'circle-r': 1 }, 'expected variant shape, got object (need "case" or {"case": payload})'],
    [variant, { 'circle-r': 'x' }, 'in circle-r: expected f64, got string "x"'],
    [enumType, 'fast_mode', "unknown case 'fast_mode' for enum mode (valid: fast-mode, slow)"],
    [flags, ['read', 'read'], "duplicate flag 'read'"],
    [flags, ['delete'], 'unknown flag "delete" for flags perms (valid: read, write-all, exec)'],
    [flags, { read: true }, 'expected flags perms, got object (need an array of flag names)'],
    [option(option(p('u8'))), 3, 'expected option<option<u8>>, got number 3 (need null or {"some": …})'],
    [result(p('u8')), 1, 'expected result<u8>, got number 1 (need {"ok": …} or {"err": …})'],
    [result(p('u8')), { ok: 'x' }, 'in ok: expected u8, got string "x"'],
    [result(), { ok: 1 }, "'ok' takes no payload (use null)"],
    [result(p('u8')), 'ok', `'ok' needs a payload: {"ok": …}`],
    [{ kind: 'own', resource: 'file' }, 1, 'a file value cannot be given as JSON'],
  ]))('refuses $name $a', ({ type, a: json, b: message }) => {
    expect(badInput(() => valueFromJson(json, type))).toContain(message);
  });

  it.each(rows<[WitType, unknown, string]>([
    [p('u8'), -1, 'expected u8, got -1 (out of range 0..255)'],
    [record, { xPos: 1, bigN: 1n, extra: 1 }, "unknown field key 'extra' for record point (valid: xPos, bigN, note)"],
    [list(p('string')), ['a', 1], 'in [1]: expected string, got number 1'],
    [variant, { tag: 'circle-r', val: '1' }, 'in circle-r: expected f64, got string "1"'],
  ]))('valueToJson refuses $name $a', ({ type, a: value, b: message }) => {
    expect(badInput(() => valueToJson(value, type))).toContain(message);
  });

  it('writes resources as a placeholder', () => {
    expect(valueToJson([{}], list({ kind: 'own', resource: 'file' }))).toStrictEqual(['<resource file>']);
  });
});
