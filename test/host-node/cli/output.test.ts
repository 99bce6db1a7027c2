// What `wasmhost run` and `device` print, as a user reads it: each of these failed before its fix.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFixturePath } from '../../support/cli-fixtures.js';
import { watComponentPath } from '../../support/wat-components.js';
import { wasmhost } from './run-cli.js';

let env: Record<string, string>;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-output-'));
  env = { WASMHOST_CACHE_DIR: join(dir, 'cache'), WASMHOST_STATE_DIR: dir };
});

describe('run --invoke output', () => {
  it('puts the result on its own line after what the guest printed without a newline', async () => {
    const result = wasmhost(['run', await cliFixturePath('prints'), '--invoke', 'show(814903018)'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'env: []\n814903018\n' });
  });

  it('prints floats as the shortest text that reads back the same', async () => {
    const path = await watComponentPath('scalars');
    expect(wasmhost(['run', path, '--invoke', 'process(5e307)'], env).stdout).toBe('1e308\n');
    // process(x) is 2x + 1; mix(a, b, c) is a + b + c in f32.
    expect(wasmhost(['run', path, '--invoke', 'process(1e21)'], env).stdout).toBe('2e21\n');
    expect(wasmhost(['run', path, '--invoke', 'process(0.25)'], env).stdout).toBe('1.5\n');
    expect(wasmhost(['run', path, '--invoke', 'mix(0, 0, 3.4e38)'], env).stdout).toBe('3.4e38\n');
  });

  it('counts WAVE error columns from the start of the --invoke text, for arguments too', async () => {
    const path = await watComponentPath('scalars');
    expect(wasmhost(['run', path, '--invoke', 'add(1, x)'], env).stderr).toContain("argument 2 (b): expected s32, got 'x' at column 8");
    expect(wasmhost(['run', path, '--invoke', 'add(1,  2 3)'], env).stderr).toContain("got '3' at column 11");
    expect(wasmhost(['run', path, '--invoke', 'add(1, 2'], env).stderr).toContain("'(' is never closed at column 4");
    const strings = await watComponentPath('strings');
    expect(wasmhost(['run', strings, '--invoke', 'greet("😀😀" x)'], env).stderr).toContain("got 'x' at column 12");
  });

  it('lists only the exports --invoke can call, grouped by interface, when the name is unknown', async () => {
    const result = wasmhost(['run', await watComponentPath('resources'), '--invoke', 'nope()'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe([
      "wasmhost: error[unknown-export]: the component has no export 'nope' that --invoke can call. It can call:",
      '  example:counters/counting:',
      '    make-and-count: func(n: u32) -> u32',
      '    live: func() -> u32',
      '  (5 more use resources or are async; --invoke cannot call them)',
      '',
    ].join('\n'));
  });

  it('refuses a listed-as-unavailable export by name, with the same list', async () => {
    const result = wasmhost(['run', await watComponentPath('resources'), '--invoke', 'peek(1)'], env);
    expect(result.stderr).toMatch(/error\[unsupported\]: example:counters\/counting#peek uses resources or is async, which --invoke cannot call\. It can call:\n {2}example:counters\/counting:\n/);
  });

  it('lists the callable exports, one per line, for a component that is not a command', async () => {
    const result = wasmhost(['run', await watComponentPath('scalars')], env);
    expect(result.stderr).toContain("call one of its exports with --invoke '<name>(<args>)':\n  add: func(a: s32, b: s32) -> s32\n  process: func(x: f64) -> f64\n");
  });
});

describe('English in reports', () => {
  it('writes an before a vowel sound: "needs an \'actuators\' grant"', () => {
    const device = wasmhost(['device'], env).stdout;
    expect(device).toContain("wasmhost:device/actuators@0.1.0  (needs an 'actuators' grant)");
    expect(device).toContain("wasmhost:device/sensors@0.1.0  (needs a 'sensors' grant)");
    expect(device).not.toMatch(/\ba '[aeiou]/);
  });
});
