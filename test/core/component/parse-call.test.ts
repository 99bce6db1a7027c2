import { badInput } from '../../support/bad-input.js';
import { describe, expect, it } from 'vitest';
import { parseCall, parseWaveArgs } from '../../../src/component/parse-call.js';
import { WasmhostError } from '../../../src/errors.js';
import type { WitParam, WitPrimitive, WitType } from '../../../src/component/wit-types.js';

const p = (name: WitPrimitive): WitType => ({ kind: 'primitive', name });


describe('parseCall', () => {
  it.each<[string, string, string[]]>([
    ['add(1, 2)', 'add', ['1', '2']],
    ['  thunk()  ', 'thunk', []],
    ['thunk', 'thunk', []],
    ['greet("hi, (you)")', 'greet', ['"hi, (you)"']],
    ['pkg:iface/name#func("a")', 'pkg:iface/name#func', ['"a"']],
    ['wasi:cli/run@0.2.0#run()', 'wasi:cli/run@0.2.0#run', []],
    ['iface.func(1)', 'iface.func', ['1']],
    ['[method]counter.get-a(1)', '[method]counter.get-a', ['1']],
    ['roundtrip-record1({a: 1, b: [1,2]})', 'roundtrip-record1', ['{a: 1, b: [1,2]}']],
    ["f('(', ',', '\\'', \"\\\"),\")", 'f', ["'('", "','", "'\\''", '"\\"),"']],
    ['f([1, [2, 3]], (4, {x: "}"}), some(ok(5)),)', 'f', ['[1, [2, 3]]', '(4, {x: "}"})', 'some(ok(5))']],
    ['f(1, // a comment with ) and ,\n 2)', 'f', ['1', '// a comment with ) and ,\n 2']],
    ['f("""\nline, with ) and "\n""", 2) // done', 'f', ['"""\nline, with ) and "\n"""', '2']],
    ['f({"a": [1, 2], "b": "x)"}, null)', 'f', ['{"a": [1, 2], "b": "x)"}', 'null']],
  ])('%j', (text, target, args) => {
    const parsed = parseCall(text);
    expect({ target: parsed.target, args: parsed.args }).toStrictEqual({ target, args });
    // Each offset is where its argument's text starts in the call.
    parsed.args.forEach((arg, i) => expect(text.slice(parsed.offsets[i], parsed.offsets[i] + arg.length)).toBe(arg));
  });

  it('keeps comments inside an argument for the WAVE parser', () => {
    expect(parseCall('f(1 // one\n, 2)').args).toStrictEqual(['1 // one', '2']);
  });

  it.each<[string, string]>([
    ['(1)', 'expected a function name before the arguments at column 1'],
    ['f(1, 2', "'(' is never closed at column 2"],
    ['f([1, 2)', "')' does not close '[' at column 8"],
    ['f(1))', "unexpected text after the closing ')' at column 5"],
    ['f(1) x', "unexpected text after the closing ')' at column 6"],
    ['f(1,,2)', 'empty argument at column 5'],
    ['f(,)', 'empty argument at column 3'],
    ['f("abc)', 'unterminated string literal at column 3'],
    ["f('a)", 'unterminated char literal at column 3'],
    ['my func(1)', "unexpected ' ' in function name 'my func' at column 3"],
    ['f(]', "']' does not close anything at column 3"],
  ])('refuses %j', (text, message) => {
    expect(badInput(() => parseCall(text))).toContain(message);
  });
});

describe('parseWaveArgs', () => {
  const params: WitParam[] = [
    { name: 'a', type: p('u8') },
    { name: 'b', type: { kind: 'list', element: p('string') } },
    { name: 'c', type: { kind: 'option', type: p('u8') } },
    { name: 'd', type: { kind: 'option', type: { kind: 'option', type: p('u8') } } },
  ];

  it('parses each argument against its param', () => {
    expect(parseWaveArgs(['1', '["x"]', 'some(2)', 'some(none)'], params)).toStrictEqual([1, ['x'], 2, { tag: 'some', val: undefined }]);
  });

  it('lets trailing option arguments be left out, as none', () => {
    expect(parseWaveArgs(['1', '[]'], params)).toStrictEqual([1, [], undefined, { tag: 'none' }]);
    expect(parseWaveArgs([], [])).toStrictEqual([]);
  });

  it('works with parseCall', () => {
    const { args } = parseCall('f(7, ["a, b", "c"], 3)');
    expect(parseWaveArgs(args, params)).toStrictEqual([7, ['a, b', 'c'], 3, { tag: 'none' }]);
  });

  it('counts columns from the start of the call when given it, as parseCall does', () => {
    for (const [text, column] of [['f(1, ["a", 2])', 12], ['f(1,\n  ["😀", 2])', 0], ['f(300, [])', 3]] as const) {
      const call = parseCall(text);
      const message = badInput(() => parseWaveArgs(call.args, params, { text, offsets: call.offsets }));
      expect(message).toContain(column ? `at column ${column}` : 'at line 2, column 9');
    }
  });

  it.each<[string[], string]>([
    [['1', '[]', '2', 'none', '5'], 'too many arguments: expected 4 (a: u8, b: list<string>, c: option<u8>, d: option<option<u8>>), got 5'],
    [['1'], 'missing argument 2 (b): expected 4 (a: u8, b: list<string>, c: option<u8>, d: option<option<u8>>), got 1'],
    [['300', '[]'], 'argument 1 (a): expected u8, got 300 (out of range 0..255) at column 1'],
    [['1', '["a", 2]'], 'argument 2 (b): in [1]: expected string, got 2 at column 7'],
    [['1', '[]', '1', '2'], 'argument 4 (d): expected option<option<u8>>, got 2 (write some(…) or none)'],
  ])('refuses %j', (args, message) => {
    expect(badInput(() => parseWaveArgs(args, params))).toContain(message);
  });

  it('keeps the underlying error data and names the argument', () => {
    const error = (() => { try { parseWaveArgs(['1', '[1]'], params); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(WasmhostError);
    expect((error as WasmhostError).data).toMatchObject({ argument: 'b', path: '[0]', offset: 1 });
  });
});
