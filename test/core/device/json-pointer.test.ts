import { describe, expect, it } from 'vitest';
import { parseJsonPointer, resolveJsonPointer } from '../../../src/device/json-pointer.js';

describe('parseJsonPointer (RFC 6901)', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['/', ['']],
    ['/vendor', ['vendor']],
    ['/cpu/0/cores', ['cpu', '0', 'cores']],
    ['/a~1b', ['a/b']],
    ['/m~0n', ['m~n']],
    ['/~01', ['~1']],
    ['/~10', ['/0']],
    ['/a//b', ['a', '', 'b']],
    ['/ spaces ok', [' spaces ok']],
  ])('%j → %j', (pointer, tokens) => {
    expect(parseJsonPointer(pointer)).toStrictEqual({ tokens });
  });

  it.each(['vendor', '#/vendor', '/a~2', '/a~', '/~x'])('refuses %j', (pointer) => {
    expect(parseJsonPointer(pointer)).toHaveProperty('error');
  });
});

describe('resolveJsonPointer', () => {
  const doc = { a: [10, { b: null }], '': 'empty key', n: 0 };
  it.each<[string[], unknown]>([
    [[], doc],
    [['a', '0'], 10],
    [['a', '1', 'b'], null],
    [[''], 'empty key'],
    [['n'], 0],
  ])('%j finds %j', (tokens, value) => {
    expect(resolveJsonPointer(doc, tokens)).toStrictEqual({ found: true, value });
  });

  it.each<string[][]>([[['x']], [['a', '2']], [['a', '-']], [['a', '01']], [['a', '0', 'x']], [['n', 'x']], [['toString']], [['__proto__']], [['a', 'length']]])('%j is not found', (tokens) => {
    expect(resolveJsonPointer(doc, tokens)).toStrictEqual({ found: false });
  });
});
