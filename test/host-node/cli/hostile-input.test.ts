// `wasmhost inspect` and `run` against inputs that cost without bound (issue 11, hole 7).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmhost } from './run-cli.js';

let env: Record<string, string>;
let dag: string;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-hostile-'));
  env = { WASMHOST_CACHE_DIR: dir };
  dag = join(dir, 'type-dag.wasm');
  await writeFile(dag, await parse(await readFile(new URL('../../fixtures/hostile/type-dag.wat', import.meta.url), 'utf8')));
});

describe('hostile components on the command line', () => {
  it('inspect refuses the type DAG by its budget (exit 1, the budget named), with or without --json', () => {
    const text = wasmhost(['inspect', dag], env);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^wasmhost: error\[unsupported\]: .*type-dag.wasm/);
    expect(text.stderr).toContain("unsupported component: its types expand to more than 100000 nodes, counting a shared type at each use (wasmhost's type-size budget)");
    const json = wasmhost(['inspect', dag, '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'unsupported', data: { budget: 'type-nodes', limit: 100000 } } });
  });

  it('run refuses it the same way before transpiling anything', () => {
    const run = wasmhost(['run', dag, '--invoke', 'f(1)'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("wasmhost's type-size budget");
  });
});
