import { badInput } from '../../support/bad-input.js';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentEmbed, componentNew, parse, transpile } from '@bytecodealliance/jco';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { parseWave, printWave } from '../../../src/component/wave.js';
import { WasmhostError } from '../../../src/errors.js';
import type { WitInterface, WitPrimitive, WitType } from '../../../src/component/wit-types.js';
import { readWorld } from '../../../src/component/read-world.js';
import { watComponentPath } from '../../support/wat-components.js';
import { describeType } from '../../../src/component/value-types.js';

const p = (name: WitPrimitive): WitType => ({ kind: 'primitive', name });
const list = (element: WitType): WitType => ({ kind: 'list', element });
const tuple = (...types: WitType[]): WitType => ({ kind: 'tuple', types });
const option = (type: WitType): WitType => ({ kind: 'option', type });
const result = (ok?: WitType, err?: WitType): WitType => ({ kind: 'result', ok, err });
const record: WitType = {
  kind: 'record', name: 'point',
  fields: [{ name: 'x-pos', type: p('u8') }, { name: 'tags', type: list(p('string')) }, { name: 'note', type: option(p('string')) }],
};
const allOptional: WitType = { kind: 'record', name: 'opts', fields: [{ name: 'a', type: option(p('u8')) }, { name: 'b', type: option(p('u8')) }] };
const variant: WitType = {
  kind: 'variant', name: 'shape',
  cases: [{ name: 'empty' }, { name: 'circle', type: p('f64') }, { name: 'ok', type: p('u8') }, { name: 'named-thing', type: record }],
};
const enumType: WitType = { kind: 'enum', name: 'mode', cases: ['fast-mode', 'none', 'true'] };
const flags: WitType = { kind: 'flags', name: 'perms', flags: ['read', 'write-all', 'exec'] };

/** [type, canonical WAVE, jco value] */
const CANONICAL: [WitType, string, unknown][] = [
  [p('bool'), 'true', true],
  [p('u8'), '255', 255], [p('s8'), '-128', -128], [p('u16'), '65535', 65535], [p('s16'), '-32768', -32768],
  [p('u32'), '4294967295', 4294967295], [p('s32'), '-2147483648', -2147483648],
  [p('u64'), '18446744073709551615', 18446744073709551615n], [p('s64'), '-9223372036854775808', -9223372036854775808n],
  [p('f64'), '1.5', 1.5], [p('f64'), '-0', -0], [p('f64'), '0.1', 0.1], [p('f64'), '100000000000000000000', 1e20], [p('f64'), '1e21', 1e21], [p('f64'), '1e308', 1e308],
  [p('f64'), '-1.7976931348623157e308', -Number.MAX_VALUE], [p('f64'), '5e-324', 5e-324], [p('f64'), '1.5e-7', 1.5e-7],
  [p('f64'), '0.000001', 1e-6], [p('f64'), '123456789.125', 123456789.125], [p('f64'), 'nan', NaN],
  [p('f64'), 'inf', Infinity], [p('f64'), '-inf', -Infinity],
  [p('f32'), '0.1', Math.fround(0.1)], [p('f32'), '3.4028235e38', Math.fround(3.4028234663852886e38)],
  [p('f32'), '16777216', 16777216], [p('f32'), '1e-45', Math.fround(1e-45)],
  [p('char'), "'x'", 'x'], [p('char'), "'\\''", "'"], [p('char'), "'\\\"'", '"'], [p('char'), "'😀'", '😀'],
  [p('char'), "'\\u{0}'", '\0'], [p('char'), "'\\n'", '\n'], [p('char'), "'\\u{301}'", '\u0301'],
  [p('string'), '""', ''], [p('string'), '"a \\"b\\" \\\'c\\\' \\\\ \\t\\r\\n ünï 👋"', 'a "b" \'c\' \\ \t\r\n ünï 👋'],
  [p('string'), '"\\u{7f}\\u{a0}\\u{200b}"', '\x7f\u00a0\u200b'],
  [list(p('u8')), '[1, 2, 3]', new Uint8Array([1, 2, 3])], [list(p('u8')), '[]', new Uint8Array()],
  [list(p('s64')), '[-1, 2]', new BigInt64Array([-1n, 2n])], [list(p('f32')), '[1.5, 0.1]', new Float32Array([1.5, 0.1])],
  [list(p('string')), '["a", "b"]', ['a', 'b']], [list(list(p('u16'))), '[[1], []]', [new Uint16Array([1]), new Uint16Array()]],
  [list(p('bool')), '[true, false]', [true, false]],
  [tuple(p('u8'), p('string')), '(1, "a")', [1, 'a']],
  [record, '{x-pos: 1, tags: ["a"], note: some("n")}', { xPos: 1, tags: ['a'], note: 'n' }],
  [record, '{x-pos: 1, tags: []}', { xPos: 1, tags: [], note: undefined }],
  [allOptional, '{:}', { a: undefined, b: undefined }],
  [variant, 'empty', { tag: 'empty' }], [variant, 'circle(2.5)', { tag: 'circle', val: 2.5 }],
  [variant, '%ok(1)', { tag: 'ok', val: 1 }],
  [variant, 'named-thing({x-pos: 2, tags: []})', { tag: 'named-thing', val: { xPos: 2, tags: [], note: undefined } }],
  [enumType, 'fast-mode', 'fast-mode'], [enumType, '%none', 'none'], [enumType, '%true', 'true'],
  [flags, '{}', { read: false, writeAll: false, exec: false }],
  [flags, '{read, write-all}', { read: true, writeAll: true, exec: false }],
  [option(p('u8')), 'some(1)', 1], [option(p('u8')), 'none', undefined],
  [option(option(p('u8'))), 'none', { tag: 'none' }], [option(option(p('u8'))), 'some(none)', { tag: 'some', val: undefined }],
  [option(option(p('u8'))), 'some(some(3))', { tag: 'some', val: 3 }],
  [option(option(option(p('u8')))), 'none', undefined], [option(option(option(p('u8')))), 'some(none)', { tag: 'none' }],
  [option(option(option(p('u8')))), 'some(some(some(4)))', { tag: 'some', val: 4 }],
  [list(option(p('u8'))), '[some(1), none]', [1, undefined]],
  [result(p('u32'), p('string')), 'ok(1)', { tag: 'ok', val: 1 }], [result(p('u32'), p('string')), 'err("x")', { tag: 'err', val: 'x' }],
  [result(), 'ok', { tag: 'ok', val: undefined }], [result(), 'err', { tag: 'err', val: undefined }],
  [result(undefined, p('u8')), 'err(2)', { tag: 'err', val: 2 }], [result(p('u8')), 'err', { tag: 'err', val: undefined }],
  [option(result(p('u8'))), 'some(ok(1))', { tag: 'ok', val: 1 }],
  [{ kind: 'list', element: p('u8'), length: 2 }, '[1, 2]', new Uint8Array([1, 2])],
];


describe('WAVE canonical forms', () => {
  it.each(CANONICAL.map(([type, text, value]) => ({ type, name: describeType(type), text, value })))('$name $text', ({ type, text, value }) => {
    expect(parseWave(text, type)).toStrictEqual(value);
    expect(printWave(value, type)).toBe(text);
    expect(printWave(parseWave(text, type), type)).toBe(text);
  });
});

describe('parseWave accepts every spelling of the spec', () => {
  it.each(([
    [p('u8'), ' \n 7 // seven\n', 7],
    [p('f64'), '6.022e+23', 6.022e23], [p('f64'), '1E-3', 0.001], [p('f32'), '1', 1], [p('s32'), '-0', 0],
    [list(p('u8')), '[1, 2, ]', new Uint8Array([1, 2])],
    [tuple(p('u8'), p('u8')), '( 1 ,2, )', [1, 2]],
    [record, '{ tags: [], %x-pos: 1, }', { xPos: 1, tags: [], note: undefined }],
    [record, '{x-pos: 1, tags: [], note: none}', { xPos: 1, tags: [], note: undefined }],
    [record, '{x-pos: 1, tags: [], note: "flat"}', { xPos: 1, tags: [], note: 'flat' }],
    [allOptional, '{}', { a: undefined, b: undefined }], [allOptional, '{b: 2}', { a: undefined, b: 2 }],
    [flags, '{exec, %read,}', { read: true, writeAll: false, exec: true }], [flags, '{:}', { read: false, writeAll: false, exec: false }],
    [enumType, 'none', 'none'], [variant, 'ok(1)', { tag: 'ok', val: 1 }],
    [option(p('string')), '"flat some"', 'flat some'], [result(p('string')), '"flat ok"', { tag: 'ok', val: 'flat ok' }],
    [p('string'), '"""\n  one\n    two \\u{41}"\n  """', 'one\n  two A"'],
    [p('string'), '"""\r\nA single line\r\n"""', 'A single line'],
    [p('char'), "'\\u{1F600}'", '😀'], [p('char'), "'\"'", '"'], [p('string'), '"it\'s"', "it's"],
  ] as [WitType, string, unknown][]).map(([type, text, value]) => ({ type, name: describeType(type), text, value })))('$name $text', ({ type, text, value }) => {
    expect(parseWave(text, type)).toStrictEqual(value);
  });
});

describe('parseWave errors name the problem, the place and the type', () => {
  const nested: WitType = { kind: 'record', name: 'r', fields: [{ name: 'a', type: p('u8') }, { name: 'b', type: list(p('u8')) }] };
  it.each(([
    [p('u8'), '300', 'expected u8, got 300 (out of range 0..255) at column 1'],
    [p('s8'), '-129', 'expected s8, got -129 (out of range -128..127)'],
    [p('u64'), '18446744073709551616', 'out of range 0..18446744073709551615'],
    [p('u32'), '1.5', 'expected u32, got 1.5 (not an integer)'],
    [p('u8'), '"1"', 'expected u8, got string "1" at column 1'],
    [nested, '{a: 1, b: [1, 2, 300]}', 'field b[2]: expected u8, got 300 (out of range 0..255) at column 18'],
    [nested, '{a: 1, c: []}', "unknown field 'c' for record r (valid: a, b) at column 8"],
    [nested, '{a: 1}', "missing field 'b' (list<u8>) of record r at column 1"],
    [nested, '{a: 1, a: 2}', "duplicate field 'a' at column 8"],
    [list(nested), '[{a: 1, b: []}, {a: 1, b: [-1]}]', 'in [1].b[0]: expected u8, got -1 (out of range 0..255) at column 28'],
    [variant, 'square(1)', "unknown case 'square' for variant shape (valid: empty, circle, ok, named-thing)"],
    [variant, 'circle', "case 'circle' needs a payload: circle(f64)"],
    [variant, 'empty(1)', "case 'empty' takes no payload"],
    [variant, 'circle("r")', 'in circle: expected f64, got string "r" at column 8'],
    [enumType, 'slow', "unknown case 'slow' for enum mode (valid: fast-mode, none, true)"],
    [flags, '{read, delete}', "unknown flag 'delete' for flags perms (valid: read, write-all, exec) at column 8"],
    [flags, '{read, read}', "duplicate flag 'read'"],
    [option(option(p('u8'))), '5', 'expected option<option<u8>>, got 5 (write some(…) or none)'],
    [result(p('u8')), 'ok', "case 'ok' needs a payload: ok(u8)"],
    [result(), 'ok(1)', "case 'ok' takes no payload"],
    [tuple(p('u8'), p('u8')), '(1)', 'expected tuple<u8, u8> with 2 elements, got 1'],
    [{ kind: 'list', element: p('u8'), length: 2 }, '[1]', 'expected list<u8, 2> of 2 elements, got 1'],
    [p('char'), "'ab'", 'a char literal holds exactly one character, found 2 at column 1'],
    [p('char'), "''", 'found 0'],
    [p('string'), '"abc', 'unterminated string literal at column 1'],
    [p('string'), '"a\nb"', 'unterminated string literal (write a line break as \\n) at line 1, column 1'],
    [p('string'), '"a\\qb"', "invalid escape '\\q' (valid: \\' \\\" \\\\ \\t \\n \\r \\u{…}) at column 3"],
    [p('string'), '"\\u{d800}"', "invalid escape '\\u{d800}' (not a Unicode scalar value)"],
    [p('string'), '"\\u{110000}"', 'not a Unicode scalar value'],
    [p('string'), '"a\ud800"', 'lone surrogate \\u{d800} (not a Unicode scalar value) at column 3'],
    [p('string'), '"""\n  x\n y\n  """', 'line indented less than the closing """ at line 3, column 1'],
    [p('u8'), '1 2', "expected end of text, got '2' at column 3"],
    [p('u8'), '', 'expected a value, got end of text at column 1'],
    [p('u8'), '01', "invalid number '01' at column 1"],
    [variant, 'fooBar', "invalid label 'fooBar'"],
    [list(p('u8')), '[1, 2', "expected ',' or ']', got end of text at column 6"],
    [option(p('u8')), 'some', "'some' needs a payload: some(value)"],
    [p('u8'), '#', "unexpected character '#' at column 1"],
    [{ kind: 'own', resource: 'file' }, '1', 'a file value cannot be written in WAVE'],
    [p('bool'), '[' .repeat(101), 'values nested more than 100 deep'],
  ] as [WitType, string, string][]).map(([type, text, message]) => ({ type, name: describeType(type), text, message })))('$name $text', ({ type, text, message }) => {
    expect(badInput(() => parseWave(text, type))).toContain(message);
  });
});

describe('printWave', () => {
  it('accepts plain arrays for numeric lists and numbers for 64-bit integers', () => {
    expect(printWave([1, 2], list(p('u8')))).toBe('[1, 2]');
    expect(printWave([1, 2n], list(p('u64')))).toBe('[1, 2]');
    expect(printWave(new Float64Array([0.5]), list(p('f64')))).toBe('[0.5]');
  });

  it('prints resources as opaque handles', () => {
    expect(printWave({}, { kind: 'own', resource: 'file' })).toBe('<resource file>');
    expect(printWave([{}], list({ kind: 'borrow', resource: 'file' }))).toBe('[<resource file>]');
  });

  it('rounds numbers for f32 to single precision', () => {
    expect(printWave(1.1, p('f32'))).toBe('1.1');
    expect(printWave(1.1, p('f64'))).toBe('1.1');
    expect(printWave(16777217, p('f32'))).toBe('16777216');
  });

  it.each(([
    [p('u8'), 256, 'expected u8, got 256 (out of range 0..255)'],
    [p('u32'), 1.5, 'expected u32, got number 1.5 (not an integer)'],
    [p('s64'), '1', 'expected s64, got string "1"'],
    [p('char'), 'ab', 'expected char, got string "ab" (2 characters, need exactly 1)'],
    [p('string'), 'a\udc00', 'expected string, got a string with a lone surrogate \\u{dc00} at index 1'],
    [record, { xPos: 1 }, "missing field 'tags' (key tags) of record point"],
    [record, { xPos: 1, tags: [], x_pos: 2 }, "unknown field key 'x_pos' for record point (valid: xPos, tags, note)"],
    [record, { xPos: 1, tags: [2] }, 'field tags[0]: expected string, got number 2'],
    [variant, { tag: 'square' }, "unknown case 'square' for variant shape"],
    [variant, 'empty', 'expected variant shape, got string "empty" (need { tag, val })'],
    [enumType, 'fastMode', "unknown case 'fastMode' for enum mode (valid: fast-mode, none, true)"],
    [flags, { read: true, writeall: true }, "unknown flag key 'writeall' for flags perms (valid: read, writeAll, exec)"],
    [option(option(p('u8'))), 3, 'expected option<option<u8>>, got number 3 (need { tag, val })'],
    [result(p('u8')), 1, 'expected result<u8>, got number 1 (need { tag, val })'],
    [tuple(p('u8')), [1, 2], 'expected tuple<u8> with 1 elements, got 2'],
    [list(p('u8')), 'abc', 'expected list<u8>, got string "abc"'],
    [{ kind: 'own', resource: 'file' }, undefined, 'expected a file resource handle, got undefined'],
  ] as [WitType, unknown, string][]).map(([type, value, message]) => ({ type, name: describeType(type), value, message })))('refuses $name $value', ({ type, value, message }) => {
    expect(badInput(() => printWave(value, type))).toContain(message);
  });
});

describe('round trip of generated values', () => {
  // A small seeded generator of types and values: print → parse must give the value back.
  let seed = 42;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const prims: WitPrimitive[] = ['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string'];
  function genType(depth: number): WitType {
    const k = depth > 2 ? 0 : rand(8);
    const inner = (): WitType => genType(depth + 1);
    switch (k) {
      case 1: return list(inner());
      case 2: return tuple(inner(), inner());
      case 3: return { kind: 'record', fields: [{ name: 'a-b', type: inner() }, { name: 'c', type: option(inner()) }] };
      case 4: return { kind: 'variant', cases: [{ name: 'x' }, { name: 'some', type: inner() }] };
      case 5: return option(inner());
      case 6: return result(rand(2) ? inner() : undefined, rand(2) ? inner() : undefined);
      case 7: return { kind: 'flags', flags: ['a', 'b-c', 'ok'] };
      default: return p(prims[rand(prims.length)]);
    }
  }
  const samples: Record<string, () => string> = {
    char: () => ['a', '\n', "'", '😀', '\u0000', 'é'][rand(6)],
    string: () => ['', 'plain', 'q"uo\'te\\', 'multi\nline\t', '👋🏽 ß'][rand(5)],
  };
  it('holds for 300 random types', () => {
    for (let n = 0; n < 300; n++) {
      const type = genType(0);
      const text = printWave(parseWave(sampleText(type), type), type);
      const value = parseWave(text, type);
      expect(printWave(value, type)).toBe(text);
      expect(parseWave(printWave(value, type), type)).toStrictEqual(value);
    }
  });
  function sampleText(type: WitType): string {
    switch (type.kind) {
      case 'primitive':
        if (type.name === 'bool') return rand(2) ? 'true' : 'false';
        if (type.name === 'char') return printWave(samples.char(), type);
        if (type.name === 'string') return printWave(samples.string(), type);
        if (type.name === 'f32' || type.name === 'f64') return ['0', '-1.25', '3.4e10', 'nan', '-inf', '1e-7'][rand(6)];
        return type.name.startsWith('s') ? `-${rand(100)}` : `${rand(200)}`;
      case 'list': return `[${Array.from({ length: rand(3) }, () => sampleText(type.element)).join(', ')}]`;
      case 'tuple': return `(${type.types.map(sampleText).join(', ')})`;
      case 'record': return `{a-b: ${sampleText(type.fields[0].type)}${rand(2) ? `, c: ${sampleText(type.fields[1].type)}` : ''}}`;
      case 'variant': return rand(2) ? 'x' : `%some(${sampleText(type.cases[1].type as WitType)})`;
      case 'option': return rand(3) ? `some(${sampleText(type.type)})` : 'none';
      case 'result': {
        const ok = rand(2) === 1;
        const payload = ok ? type.ok : type.err;
        return `${ok ? 'ok' : 'err'}${payload ? `(${sampleText(payload)})` : ''}`;
      }
      case 'flags': return ['{}', '{a}', '{ok, b-c}'][rand(3)];
      default: throw new Error(type.kind);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Against jco itself: WAVE arguments parsed here go into jco-transpiled components, and what
// the components return prints back as the expected WAVE. This pins the representation to jco's.

type Exports = Record<string, (...args: unknown[]) => unknown>;
const tempDirs: string[] = [];
afterAll(() => Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function instantiateComponent(bytes: Uint8Array, stubs: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const { files } = await transpile(bytes, { name: 'component', instantiation: 'async', noTypescript: true });
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-wave-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const { instantiate } = await import(pathToFileURL(join(dir, 'component.js')).href);
  const imports = { ...new WASIShim().getImportObject(), ...stubs };
  return instantiate(async (path: string) => WebAssembly.compile(await readFile(join(dir, path))), imports);
}

/** Calls an export with WAVE arguments; returns the result as WAVE (a top-level result normalised to { tag, val }). */
function callWave(fn: (...args: unknown[]) => unknown, params: WitType[], args: string[], resultType?: WitType): string {
  const values = args.map((text, i) => parseWave(text, params[i]));
  let value: unknown;
  if (resultType?.kind === 'result') {
    try {
      value = { tag: 'ok', val: fn(...values) };
    } catch (error) {
      if (!(error instanceof Error) || !('payload' in error)) throw error;
      value = { tag: 'err', val: (error as { payload: unknown }).payload };
    }
  } else value = fn(...values);
  if (!resultType) {
    expect(value).toBeUndefined();
    return '';
  }
  // jco's value must be exactly what parseWave makes of the printed text (typed arrays, keys, tags).
  const text = printWave(value, resultType);
  expect(parseWave(text, resultType)).toStrictEqual(value);
  return text;
}

/** [export, WAVE args, expected WAVE result ('' when none)]; the types are the fixture's own, as readWorld decodes them. */
type Case = [string, string[], string];

// rich-types (test/fixtures/wat/) echoes most arguments back: every WIT type kind, through
// `use`d types and aliases. Its imports are never called; stubs satisfy jco's instantiation.
describe('rich-types through jco', () => {
  const API = 'example:rich/api@0.2.0';
  let exports: Exports;
  let api: WitInterface;
  beforeAll(async () => {
    const stub = new Proxy({}, { get: (_, name) => () => { throw new Error(`stub import ${String(name)} called`); } });
    const bytes = await readFile(await watComponentPath('rich-types'));
    const root = await instantiateComponent(bytes, { 'example:rich/host': stub, 'example:rich/errors': stub });
    exports = root[API] as Exports;
    const item = readWorld(bytes).exports.find((i) => i.kind === 'interface' && i.interface.name === API);
    if (item?.kind !== 'interface') throw new Error(`no export ${API}`);
    api = item.interface;
  });
  const cases: Case[] = [
    ['echo-record', ['{a: 8, b: {a}}'], '{a: 8, b: {a}}'],
    ['echo-record', ['{ b: {b, a,}, a: 255 }'], '{a: 255, b: {a, b}}'],
    ['echo-record', ['{a: 0, b: {}}'], '{a: 0, b: {}}'],
    ['echo-flags', ['{b0, b7}', '{b15}', '{b0, b31}'], '({b0, b7}, {b15}, {b0, b31})'],
    ['echo-flags', ['{}', '{b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15}', '{}'],
      '({}, {b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15}, {})'],
    ['swap-tuple', ['(1, 4294967295)'], '(4294967295, 1)'],
    ['echo-option', ['some(1)'], 'some(1)'],
    ['echo-option', ['2'], 'some(2)'],
    ['echo-option', ['none'], 'none'],
    ['echo-result', ['ok(4294967295)'], 'ok(4294967295)'],
    ['echo-result', ['err(b)'], 'err(b)'],
    ['echo-enum', ['success'], 'success'],
    ['echo-value', ['int(-9223372036854775808)'], 'int(-9223372036854775808)'],
    ['echo-value', ['real(2.5)'], 'real(2.5)'],
    ['echo-value', ['real(-inf)'], 'real(-inf)'],
    ['echo-value', ['text("héllo 😀")'], 'text("héllo 😀")'],
    ['echo-value', ['nothing'], 'nothing'],
    ['echo-points', ['[{x: 1, y: -2}, {x: 2147483647, y: -2147483648}]'], '[{x: 1, y: -2}, {x: 2147483647, y: -2147483648}]'],
    ['echo-points', ['[]'], '[]'],
    ['echo-names', ['["a", "", "é"]'], '["a", "", "é"]'],
    ['echo-labeled', ['{name: "n", tags: ["t1", "t2"], count: some(3)}'], '{name: "n", tags: ["t1", "t2"], count: some(3)}'],
    ['echo-labeled', ['{name: "", tags: []}'], '{name: "", tags: []}'],
    ['errno-result', [], 'err(b)'],
    ['add-counts', ['4294967295', '2'], '1'],
    ['later', ['18446744073709551615', '2'], '1'],
    ['count-nested', ['[["a"], [], ["b", "c"]]', '[(1, 2, 3)]'], '4'],
    ['unit-result', ['true'], 'ok'],
    ['unit-result', ['false'], 'err'],
  ];
  it.each(cases.map(([name, args, expected]) => ({ name, args, expected })))('$name($args) -> $expected', ({ name, args, expected }) => {
    const f = api.functions.find((x) => x.name === name);
    if (f === undefined) throw new Error(`no function ${name}`);
    const fn = exports[name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())];
    expect(callWave(fn, f.params.map((x) => x.type), args, f.result)).toBe(expected);
  });
});

// A hand-written component that echoes its argument: kebab-case flags and enums, nested
// options, a record with option fields, and the typed arrays jco uses for numeric lists.
const PROBE_WIT = `package test:probe;
world probe {
  flags kflags { read-it, write-it, x }
  enum kenum { first-case, second }
  variant kvar { no-load, with-load(u8) }
  record krec { field-one: u8, opt-field: option<u32> }
  record orec { a: option<option<u8>> }
  export echo-flags: func(f: kflags) -> kflags;
  export echo-enum: func(e: kenum) -> kenum;
  export echo-char: func(c: char) -> char;
  export echo-var: func(v: kvar) -> kvar;
  export echo-oo: func(x: option<option<u8>>) -> option<option<u8>>;
  export echo-orec: func(r: orec) -> orec;
  export echo-ooo: func(x: option<option<option<u8>>>) -> option<option<option<u8>>>;
  export echo-rec: func(r: krec) -> krec;
  export echo-l16: func(l: list<u16>) -> list<u16>;
  export echo-ls64: func(l: list<s64>) -> list<s64>;
  export echo-lf32: func(l: list<f32>) -> list<f32>;
  export echo-lopt: func(l: list<option<u8>>) -> list<option<u8>>;
}`;
const store8 = (offset: number, local: number): string => `(i32.store8 (i32.const ${offset}) (local.get ${local}))`;
const PROBE_WAT = `(module
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
    (global.set $bump (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func $id (param i32) (result i32) (local.get 0))
  (export "echo-flags" (func $id)) (export "echo-enum" (func $id)) (export "echo-char" (func $id))
  (func (export "echo-var") (param i32 i32) (result i32) ${store8(16, 0)} ${store8(17, 1)} (i32.const 16))
  (func $oo (param i32 i32 i32) (result i32) ${store8(16, 0)} ${store8(17, 1)} ${store8(18, 2)} (i32.const 16))
  (export "echo-oo" (func $oo)) (export "echo-orec" (func $oo))
  (func (export "echo-ooo") (param i32 i32 i32 i32) (result i32)
    ${store8(16, 0)} ${store8(17, 1)} ${store8(18, 2)} ${store8(19, 3)} (i32.const 16))
  (func (export "echo-rec") (param i32 i32 i32) (result i32)
    ${store8(16, 0)} ${store8(20, 1)} (i32.store (i32.const 24) (local.get 2)) (i32.const 16))
  (func $list (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1)) (i32.const 16))
  (export "echo-l16" (func $list)) (export "echo-ls64" (func $list))
  (export "echo-lf32" (func $list)) (export "echo-lopt" (func $list)))`;

describe('a probe component through jco', () => {
  let probe: Exports;
  beforeAll(async () => {
    const core = await parse(PROBE_WAT);
    probe = await instantiateComponent(await componentNew(await componentEmbed({ binary: core, witSource: PROBE_WIT, world: 'probe' }))) as Exports;
  });
  const kflags: WitType = { kind: 'flags', name: 'kflags', flags: ['read-it', 'write-it', 'x'] };
  const kenum: WitType = { kind: 'enum', name: 'kenum', cases: ['first-case', 'second'] };
  const kvar: WitType = { kind: 'variant', name: 'kvar', cases: [{ name: 'no-load' }, { name: 'with-load', type: p('u8') }] };
  const krec: WitType = { kind: 'record', name: 'krec', fields: [{ name: 'field-one', type: p('u8') }, { name: 'opt-field', type: option(p('u32')) }] };
  const orec: WitType = { kind: 'record', name: 'orec', fields: [{ name: 'a', type: option(option(p('u8'))) }] };
  const ooo = option(option(option(p('u8'))));
  it.each([
    ['echoFlags', kflags, ['{read-it, x}', '{}', '{write-it}']],
    ['echoEnum', kenum, ['first-case', 'second']],
    ['echoChar', p('char'), ["'😀'", "'\\''"]],
    ['echoVar', kvar, ['with-load(3)', 'no-load']],
    ['echoOo', option(option(p('u8'))), ['none', 'some(none)', 'some(some(5))']],
    ['echoOrec', orec, ['{a: some(some(2))}', '{a: some(none)}', '{:}']],
    ['echoOoo', ooo, ['none', 'some(none)', 'some(some(none))', 'some(some(some(4)))']],
    ['echoRec', krec, ['{field-one: 1}', '{field-one: 1, opt-field: some(7)}']],
    ['echoL16', list(p('u16')), ['[1, 2, 65535]', '[]']],
    ['echoLs64', list(p('s64')), ['[1, -2, 9223372036854775807]']],
    ['echoLf32', list(p('f32')), ['[1.5, 0.1, -inf]']],
    ['echoLopt', list(option(p('u8'))), ['[some(1), none, some(3)]']],
  ] as [string, WitType, string[]][])('%s', (name, type, texts) => {
    for (const text of texts) expect(callWave(probe[name], [type], [text], type)).toBe(text);
  });
  it('gives typed arrays for numeric lists, and takes plain arrays too', () => {
    expect(probe.echoLs64(parseWave('[1]', list(p('s64'))))).toBeInstanceOf(BigInt64Array);
    expect(probe.echoLf32(parseWave('[1]', list(p('f32'))))).toBeInstanceOf(Float32Array);
    expect(probe.echoL16([7, 8])).toStrictEqual(parseWave('[7, 8]', list(p('u16'))));
  });
});
