// The value form shared by the worker channels: what crosses, exactly, and what is refused.
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../../src/runtime/channel-values.js';

describe('value encoding', () => {
  it('round-trips jco values exactly: -0, NaN, big integers, typed arrays, nesting', () => {
    const value = {
      ints: [0, -1, 2147483647, -2147483648, 2 ** 40], floats: [1.5, -0, NaN, Infinity],
      text: 'héllo ✓ 🌡', empty: '', big: [123n, -(2n ** 63n), 2n ** 64n - 1n],
      bytes: new Uint8Array([1, 2, 255]), f64s: new Float64Array([1.5, -2]), u64s: new BigUint64Array([2n ** 64n - 1n]),
      misc: [undefined, null, true, false], result: { tag: 'ok', val: { list: [], option: undefined } },
    };
    const back = decodeValue(encodeValue(value)) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.floats[1], -0)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.u64s).toBeInstanceOf(BigUint64Array);
  });

  it('round-trips strings on both sides of the short-ASCII path: lengths 0, 64, 65, non-ASCII, long, as keys', () => {
    const strings = ['', 'a', 'x'.repeat(64), 'y'.repeat(65), 'é', `${'z'.repeat(63)}é`, '🌡 21.5 °C', `${'ab'.repeat(100)}✓`, '\u007f\u0080'];
    const value = { list: strings, [strings[2]!]: 1, héllo: strings[6], [`${'k'.repeat(70)}`]: true };
    expect(decodeValue(encodeValue(value))).toEqual(value);
    expect(decodeValue(encodeValue(2n ** 100n))).toBe(2n ** 100n);
  });

  it('encodes a view of part of a buffer as just that part', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 9]);
    expect(decodeValue(encodeValue(whole.subarray(2, 4)))).toEqual(new Uint8Array([1, 2]));
  });

  it('refuses values that are not plain data, naming what they are', () => {
    expect(() => encodeValue({ f: () => 1 })).toThrow(/a function cannot cross/);
    expect(() => encodeValue(new Map())).toThrow(/a Map cannot cross/);
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => encodeValue(cycle)).toThrow(/or a cycle/);
  });
});
