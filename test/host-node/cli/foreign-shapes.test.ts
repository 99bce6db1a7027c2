// Shapes other toolchains write that the CLI once called corrupt: a composition passing
// a core module between inner components, and a WIT package encoded as a component.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWorld } from '../../../src/component/read-world.js';
import { buildComponentWat, type ComponentWatName } from '../../support/wat-components.js';
import { wasmhost } from './run-cli.js';

let env: Record<string, string>;
const paths = new Map<ComponentWatName, string>();

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-shapes-'));
  env = { WASMHOST_CACHE_DIR: join(dir, 'cache'), WASMHOST_STATE_DIR: dir };
  for (const name of ['core-module-alias', 'wit-package'] as const) {
    const path = join(dir, `${name}.wasm`);
    await writeFile(path, await buildComponentWat(name));
    paths.set(name, path);
  }
});

const path = (name: ComponentWatName) => paths.get(name) ?? '';

describe('a composition that passes a core module from one inner component to another', () => {
  it('inspect shows its empty world, check accepts it, run says there is nothing to run', () => {
    const inspect = wasmhost(['inspect', path('core-module-alias')], env);
    expect([inspect.code, inspect.stderr]).toEqual([0, '']);
    expect(inspect.stdout).toContain('\n\nan empty world: no imports, no exports\n');
    expect(wasmhost(['check', path('core-module-alias')], env).code).toBe(0);
    const run = wasmhost(['run', path('core-module-alias')], env);
    expect([run.code, run.stdout]).toEqual([1, '']);
    expect(run.stderr).toBe(
      'wasmhost: error[unknown-export]: the component exports no functions (no wasi:cli/run, nothing to --invoke), so there is nothing to run\n',
    );
  });
});

describe('a WIT package encoded as a component', () => {
  const refusal = (p: string) => `wasmhost: error[wit-package]: ${p}: this is a WIT package (interface types only), not a runnable component: `
    + 'it defines interface demo:calc/adder@0.1.0, world demo:calc/calc@0.1.0; build a component that targets one of its worlds and run that\n';

  it('inspect prints the interfaces and worlds it defines, as WIT that jco reads', async () => {
    const p = path('wit-package');
    const inspect = wasmhost(['inspect', p], env);
    expect([inspect.code, inspect.stderr]).toEqual([0, '']);
    expect(inspect.stdout).toMatch(new RegExp(`^WIT package ${p} \\(interface types only, not a runnable component\\)\n  digest sha256:[0-9a-f]{64}\n`));
    const body = inspect.stdout.slice(inspect.stdout.indexOf('\n\n') + 2);
    expect(body).toBe([
      'package demo:calc@0.1.0;', '',
      'interface adder {', '  record pair {', '    a: s32,', '    b: s32,', '  }', '  add: func(p: pair) -> s32;', '}', '',
      'world calc {', '  import log: func(msg: string);', '  export adder;', '}', '', '',
    ].join('\n'));
    // The text is a WIT document: jco builds a component of its world from it.
    const built = readWorld(await componentNew(await componentEmbed({ dummy: true, witSource: body, world: 'calc' })));
    expect(built.exports.map((e) => (e.kind === 'interface' ? e.interface.name : e.kind))).toEqual(['demo:calc/adder@0.1.0']);
    const json = JSON.parse(wasmhost(['inspect', p, '--json'], env).stdout);
    expect(json.witPackage.interfaces.map((i: { name: string }) => i.name)).toEqual(['demo:calc/adder@0.1.0']);
    expect(json.witPackage.worlds.map((w: { name: string }) => w.name)).toEqual(['demo:calc/calc@0.1.0']);
  });

  it('check and run refuse it as a WIT package, with the wit-package code', () => {
    const p = path('wit-package');
    for (const args of [['check', p], ['run', p], ['run', p, '--invoke', 'add({a: 1, b: 2})']]) {
      const result = wasmhost(args, env);
      expect([result.code, result.stdout, result.stderr], args.join(' ')).toEqual([1, '', refusal(p)]);
    }
    const json = JSON.parse(wasmhost(['check', p, '--json'], env).stdout);
    expect(json.error.code).toBe('wit-package');
  });
});
