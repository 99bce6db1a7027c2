import { parse } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { readWorld } from '../../../src/component/read-world.js';
import { LISTED_EXPORTS, resolveExport } from '../../../src/runtime/export-path.js';
import { WasmhostError } from '../../../src/errors.js';

/** A component exporting `count` functions `f0 … f<count-1>` (types only matter here). */
async function manyExports(count: number) {
  const lines = Array.from({ length: count }, (_, i) => `(export "f${i}" (func $f${i}))`);
  const imports = Array.from({ length: count }, (_, i) => `(import "g${i}" (func $f${i} (param "a" u32) (result u32)))`);
  return readWorld(await parse(`(component ${imports.join('\n')} ${lines.join('\n')})`));
}

function unknown(world: Awaited<ReturnType<typeof manyExports>>, target: string): WasmhostError {
  try {
    resolveExport(world, target);
  } catch (error) {
    return error as WasmhostError;
  }
  throw new Error('resolved');
}

describe('unknown-export errors are bounded', () => {
  it('lists the first exports and counts the rest', async () => {
    const world = await manyExports(5000);
    const error = unknown(world, 'nope');
    expect(error.code).toBe('unknown-export');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe("the component has no export 'nope'. Available exports:");
    expect(lines.slice(1, 3)).toEqual(['  f0: func(a: u32) -> u32', '  f1: func(a: u32) -> u32']);
    expect(lines).toHaveLength(LISTED_EXPORTS + 2);
    expect(lines.at(-1)).toBe(`  … and ${5000 - LISTED_EXPORTS} more`);
    expect(error.data).toMatchObject({ target: 'nope', more: 5000 - LISTED_EXPORTS });
    expect((error.data as { available: string[] }).available).toHaveLength(LISTED_EXPORTS);
  });

  it('a short list is shown whole; a huge target is clipped', async () => {
    const world = await manyExports(2);
    const error = unknown(world, 'x'.repeat(100_000));
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toContain('  f1: func(a: u32) -> u32');
    expect(error.message).not.toContain('more');
  });
});
