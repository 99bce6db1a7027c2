import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { WasmhostError } from '../../../src/errors.js';
import { watComponentPath, type WatComponentName } from '../../support/wat-components.js';

const host = createHost({ artifactCache: createMemoryArtifactCache() });

async function start(name: WatComponentName, fastCalls = true) {
  const component = await host.load(await readFile(await watComponentPath(name)));
  return host.instantiate(component, { name, fastCalls });
}

describe('workload calls', () => {
  it('calls world-level and interface exports by any accepted path', async () => {
    const scalars = await start('scalars');
    expect(scalars.call('add', 2, 3)).toBe(5);
    const shapes = await start('records-variants');
    const circle = { tag: 'circle', val: 1 };
    expect(shapes.call('example:shapes/geometry@1.2.0#area', circle)).toBeCloseTo(Math.PI);
    expect(shapes.call('example:shapes/geometry#area', circle)).toBeCloseTo(Math.PI);
    expect(shapes.call('geometry.area', circle)).toBeCloseTo(Math.PI);
    expect(shapes.call('area', circle)).toBeCloseTo(Math.PI);
  });

  it('always returns a result as {tag, val}, including err', async () => {
    const shapes = await start('records-variants');
    expect(shapes.call('safe-div', 1, 4)).toEqual({ tag: 'ok', val: 0.25 });
    expect(shapes.call('safe-div', 1, 0)).toEqual({ tag: 'err', val: 'division by zero' });
  });

  it('names the missing export and lists the available ones', async () => {
    const scalars = await start('scalars');
    const error = (() => { try { scalars.call('nope'); } catch (e) { return e; } })() as WasmhostError;
    expect(error).toBeInstanceOf(WasmhostError);
    expect(error.code).toBe('unknown-export');
    expect(error.message).toContain("no export 'nope'");
    expect(error.message).toContain('add: func(a: s32, b: s32) -> s32');
  });

  it('refuses a wrong number of arguments without killing the instance', async () => {
    const scalars = await start('scalars');
    expect(() => scalars.call('add', 1)).toThrow(/takes 2 argument/);
    expect(scalars.dead).toBe(false);
    expect(scalars.call('add', 1, 1)).toBe(2);
  });

  for (const fast of [true, false]) {
    it(`a trap names the export and retires the instance (fast calls ${fast})`, async () => {
      const scalars = await start('scalars', fast);
      expect(() => scalars.call('div', 1, 0)).toThrow(/div trapped/);
      expect(scalars.dead).toBe(true);
      expect(() => scalars.call('add', 1, 2)).toThrow(/dead after an earlier trap/);
    });
  }
});
