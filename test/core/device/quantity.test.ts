import { describe, expect, it } from 'vitest';
import { describeBytes, formatBytes, parseBytes, parseCpuCores } from '../../../src/device/quantity.js';

describe('parseBytes', () => {
  it.each<[unknown, number | undefined]>([
    ['512Mi', 512 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['59 Gi', 59 * 2 ** 30], // Margo's device capabilities examples put a space before the unit
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ki', 1024],
    ['1Ti', 2 ** 40],
    ['1G', 1e9],
    ['1k', 1000],
    ['1000', 1000],
    [1024, 1024],
    [0, 0],
    ['2GB', undefined],
    ['2gi', undefined],
    ['1K', undefined],
    ['500m', undefined],
    ['-1Gi', undefined],
    ['Gi', undefined],
    [-5, undefined],
    [Infinity, undefined],
    [null, undefined],
  ])('%j → %j', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });
});

describe('parseCpuCores', () => {
  it.each<[unknown, number | undefined]>([
    [1.5, 1.5], ['1.5', 1.5], ['2', 2], ['500m', 0.5], ['250m', 0.25], [0, 0],
    ['two', undefined], ['1Gi', undefined], [-1, undefined], [true, undefined],
  ])('%j → %j', (text, cores) => {
    expect(parseCpuCores(text)).toBe(cores);
  });
});

describe('formatBytes and describeBytes', () => {
  it.each<[number, string, string]>([
    [512 * 2 ** 20, '512Mi', '512Mi'],
    [2 ** 30, '1Gi', '1Gi'],
    [1536 * 2 ** 20, '1536Mi', '1536Mi'],
    [12345 * 2 ** 20, '12345Mi', '12.1Gi'],
    [2052312, '2052312', '2Mi'],
    [1000, '1000', '1000 bytes'],
    [2048, '2Ki', '2Ki'],
    [0, '0', '0 bytes'],
    [1023, '1023', '1023 bytes'],
  ])('%d → %s, %s', (bytes, exact, human) => {
    expect(formatBytes(bytes)).toBe(exact);
    expect(parseBytes(exact)).toBe(bytes);
    expect(describeBytes(bytes)).toBe(human);
  });
});
