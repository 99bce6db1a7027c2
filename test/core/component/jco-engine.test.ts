import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadComponent } from '../../../src/component/component.js';
import { createJcoEngine } from '../../../src/component/jco-engine.js';
import { transpileWithJco } from '../../../src/component/transpile.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { WasmhostError } from '../../../src/errors.js';
import { watComponentPath } from '../../support/wat-components.js';

async function scalars() {
  return loadComponent(await readFile(await watComponentPath('scalars')));
}

function countingTranspile() {
  const calls: string[] = [];
  const transpile = async (bytes: Uint8Array, digest: string) => {
    calls.push(digest);
    return transpileWithJco(bytes, digest);
  };
  return { calls, transpile };
}

describe('jco engine', () => {
  it('transpiles once per digest and reuses the cached artifact in a new engine', async () => {
    const component = await scalars();
    const cache = createMemoryArtifactCache();
    const first = countingTranspile();
    const engine = createJcoEngine({ cache, transpile: first.transpile });
    const [a, b] = await Promise.all([engine.prepare(component), engine.prepare(component)]);
    expect(a).toBe(b);
    expect(a.transpiled).toBe(true);
    expect(first.calls).toEqual([component.digest]);

    const second = countingTranspile();
    const again = await createJcoEngine({ cache, transpile: second.transpile }).prepare(component);
    expect(again.transpiled).toBe(false);
    expect(second.calls).toEqual([]);
    const instance = await again.instantiate({});
    expect((instance.exports.add as (a: number, b: number) => number)(40, 2)).toBe(42);
    expect(instance.coreInstances.length).toBeGreaterThan(0);
  });

  it('reports a transpile failure with its own code and lets a later prepare retry', async () => {
    const component = await scalars();
    let fail = true;
    const engine = createJcoEngine({
      cache: createMemoryArtifactCache(),
      transpile: async (bytes, digest) => {
        if (fail) throw new WasmhostError('transpile-failed', 'boom');
        return transpileWithJco(bytes, digest);
      },
    });
    await expect(engine.prepare(component)).rejects.toMatchObject({ code: 'transpile-failed' });
    fail = false;
    await expect(engine.prepare(component)).resolves.toMatchObject({ transpiled: true });
  });
});
