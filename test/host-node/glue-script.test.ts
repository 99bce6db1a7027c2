import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { glueAsScript } from '../../host-node/glue-script.js';
import { loadGlueScript } from '../../host-node/glue-code-cache.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import { watComponentPath } from '../support/wat-components.js';

async function scalarsGlue(): Promise<{ glue: string; core: Record<string, Uint8Array> }> {
  const artifact = await transpileWithJco(await readFile(await watComponentPath('scalars')), 'sha256:test');
  return { glue: artifact.glue, core: artifact.coreModules };
}

describe('jco glue as a script with a V8 code cache', () => {
  it('rewrites only glue of the expected shape', () => {
    expect(glueAsScript('export function instantiate(a) { return a; }\nexport const _util = {};\n')).toContain('return { instantiate };');
    expect(glueAsScript('import x from "y";\nexport function instantiate() {}\n')).toBeUndefined();
    expect(glueAsScript('export function instantiate() {}\nexport const other = 1;\n')).toBeUndefined();
  });

  it('runs real glue, writes the code cache after the first instantiation, and survives a corrupt cache', async () => {
    const { glue, core } = await scalarsGlue();
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-glue-'));
    const cachePath = join(dir, 'component.js.v8cache');
    const getCore = (name: string) => WebAssembly.compile(core[name]);
    const fallback = () => Promise.reject(new Error('should not fall back'));

    const first = await loadGlueScript(join(dir, 'component.js'), glue, cachePath, fallback);
    const exports = await first.instantiate(getCore, {});
    expect((exports.add as (a: number, b: number) => number)(2, 2)).toBe(4);
    await vi.waitFor(async () => expect((await stat(cachePath)).size).toBeGreaterThan(1000));

    // V8 keeps compiled scripts in memory too, so a rejected cache only shows in a fresh process.
    await writeFile(cachePath, 'not a V8 cache');
    await writeFile(join(dir, 'core.wasm'), core['component.core.wasm']);
    await writeFile(join(dir, 'component.js'), glue);
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { readFile } from 'node:fs/promises';
      import { loadGlueScript } from ${JSON.stringify(new URL('../../dist/host-node/glue-code-cache.js', import.meta.url).href)};
      const dir = ${JSON.stringify(dir)};
      const glue = await loadGlueScript(dir + '/component.js', await readFile(dir + '/component.js', 'utf8'), dir + '/component.js.v8cache', () => { throw new Error('fallback'); });
      const exports = await glue.instantiate(async () => WebAssembly.compile(await readFile(dir + '/core.wasm')), {});
      console.log(exports.add(3, 4));
    `], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('7\n');
    expect((await readFile(cachePath)).toString()).not.toBe('not a V8 cache');
  });

  it('never runs a cache made from other code, even of the same length (V8 checks only the length)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-glue-'));
    const glueOf = (n: number) => `export function instantiate() { return Promise.resolve({ answer: ${n} }); }\n`;
    const load = (n: number, cache: string) => spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { loadGlueScript } from ${JSON.stringify(new URL('../../dist/host-node/glue-code-cache.js', import.meta.url).href)};
      const glue = await loadGlueScript('component.js', ${JSON.stringify(glueOf(n))}, ${JSON.stringify(cache)}, () => { throw new Error('fallback'); });
      console.log((await glue.instantiate(() => { throw new Error('unused'); }, {})).answer);
    `], { encoding: 'utf8' });
    const cacheA = join(dir, 'a.v8cache');
    expect(load(42, cacheA).stdout).toBe('42\n');
    const made = await readFile(cacheA);
    expect(made.length).toBeGreaterThan(100);

    // B's code differs from A's only in a digit; A's cache under B's name must not make B answer 42.
    const cacheB = join(dir, 'b.v8cache');
    await writeFile(cacheB, made);
    const b = load(17, cacheB);
    expect(b.stderr).toBe('');
    expect(b.stdout).toBe('17\n');
    // It was rebuilt for B: the stored cache now names B's code, not A's.
    const header = (data: Buffer) => data.toString('latin1', 0, data.indexOf(10, 20));
    expect(header(await readFile(cacheB))).not.toBe(header(made));
    expect(load(17, cacheB).stdout).toBe('17\n');

    // A truncated cache is refused too, and rebuilt.
    await writeFile(cacheA, made.subarray(0, 80));
    expect(load(42, cacheA).stdout).toBe('42\n');
    const rebuilt = await readFile(cacheA);
    expect(rebuilt.length).toBeGreaterThan(100);
    expect(header(rebuilt)).toBe(header(made));
  });
});
