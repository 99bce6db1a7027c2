import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { watComponentPath, type WatComponentName } from '../../support/wat-components.js';
import { wasmhost } from './run-cli.js';

let env: Record<string, string>;
beforeAll(async () => {
  env = { WASMHOST_CACHE_DIR: await mkdtemp(join(tmpdir(), 'wasmhost-cli-')) };
});

// Each call's WAVE output is exactly what wasm-wave would print for the result.
const ROUND_TRIPS: [WatComponentName, string, string][] = [
  ['scalars', 'add(2, -5)', '-3'],
  ['scalars', 'process(20.25)', '41.5'],
  ['scalars', 'negate(-9223372036854775807)', '9223372036854775807'],
  ['scalars', 'is-even(4294967294)', 'true'],
  ['scalars', "to-upper-char('q')", "'Q'"],
  ['scalars', 'mix(255, 65535, 0.5)', '65790.5'],
  ['scalars', 'max-u64()', '18446744073709551615'],
  ['scalars', 'clamp-s8(1000)', '127'],
  ['strings', 'greet("wörld")', '"Hello, wörld!"'],
  ['strings', 'reverse-chars("añb😀")', '"😀bña"'],
  ['strings', 'length("añb")', '4'],
  ['lists', 'sum([1, 2, 4294967295])', '4294967298'],
  ['lists', 'reverse([1, -2, 3])', '[3, -2, 1]'],
  ['lists', 'split("a,b,,c")', '["a", "b", "", "c"]'],
  ['lists', 'bytes-len([1, 2, 3])', '3'],
  ['records-variants', 'translate({x: 1, y: 2}, 0.5, -1)', '{x: 1.5, y: 1}'],
  ['records-variants', 'area(rect({x: 2, y: 3}))', '6'],
  ['records-variants', 'area(empty)', '0'],
  ['records-variants', 'next-color(blue)', 'red'],
  ['records-variants', 'toggle({read, exec})', '{write}'],
  ['records-variants', 'safe-div(1, 4)', 'ok(0.25)'],
  ['records-variants', 'safe-div(1, 0)', 'err("division by zero")'],
  ['records-variants', 'find([5, 6, 7], 7)', 'some(2)'],
  ['records-variants', 'find([5], 9)', 'none'],
  ['records-variants', 'or-default(none, 3)', '3'],
  ['records-variants', 'ok-or-len(err("abcd"))', '4'],
  ['records-variants', 'pair(7, "x")', '("x", 7)'],
  ['records-variants', 'example:shapes/geometry@1.2.0#label(circle(1), green)', '{name: "circle", color: green, area: 3.141592653589793}'],
  ['resources', 'make-and-count(3)', '3'],
];

describe('wasmhost run --invoke (WAVE)', () => {
  it.each(ROUND_TRIPS)('%s: %s → %s', async (name, call, expected) => {
    const result = wasmhost(['run', await watComponentPath(name), '--invoke', call], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${expected}\n`);
    expect(result.code).toBe(0);
  });

  it('prints nothing for a function without a result', async () => {
    const result = wasmhost(['run', await watComponentPath('scalars'), '--invoke', 'div(4, 2)'], env);
    expect(result).toMatchObject({ code: 0, stdout: '2\n' });
  });
});

describe('wasmhost run --invoke --json', () => {
  it.each([
    ['records-variants', 'label({"rect": {"x": 2, "y": 2}}, "red")', '{"name":"rect","color":"red","area":4}'],
    ['records-variants', 'safe-div(1, 0)', '{"err":"division by zero"}'],
    ['records-variants', 'find([1, 2], 3)', 'null'],
    ['scalars', 'max-u64()', '"18446744073709551615"'],
    ['lists', 'reverse([1, 2])', '[2,1]'],
  ] as [WatComponentName, string, string][])('%s: %s → %s', async (name, call, expected) => {
    const result = wasmhost(['run', await watComponentPath(name), '--json', '--invoke', call], env);
    expect(result.stdout).toBe(`${expected}\n`);
    expect(result.code).toBe(0);
  });
});

describe('errors a user can act on', () => {
  it('an unknown export lists the available ones', async () => {
    const result = wasmhost(['run', await watComponentPath('scalars'), '--invoke', 'ad(1, 2)'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error[unknown-export]: the component has no export 'ad'");
    expect(result.stderr).toContain('add: func(a: s32, b: s32) -> s32');
    expect(result.stderr).toContain('process: func(x: f64) -> f64');
  });

  it('a wrong arity or type shows the expected signature', async () => {
    const path = await watComponentPath('records-variants');
    const arity = wasmhost(['run', path, '--invoke', 'translate({x: 1, y: 2})'], env);
    expect(arity.code).toBe(1);
    expect(arity.stderr).toContain('expected: example:shapes/geometry@1.2.0#translate: func(p: point, dx: f64, dy: f64) -> point');
    const type = wasmhost(['run', path, '--invoke', 'next-color(purple)'], env);
    expect(type.stderr).toContain("unknown case 'purple' for enum color (valid: red, green, blue)");
  });

  it('a trap names the function and the trap', async () => {
    const result = wasmhost(['run', await watComponentPath('scalars'), '--invoke', 'div(1, 0)'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error\[trap\]: div trapped: .*divide by zero/);
  });

  it('an import the host does not provide is named with its version', async () => {
    const result = wasmhost(['run', await watComponentPath('imports-logging'), '--invoke', 'run(1)'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('example:missing/thing@2.0.0: not provided by this host');
    expect(result.stderr).not.toContain('wasi:logging');
  });

  it('--json errors are JSON on stdout too', async () => {
    const result = wasmhost(['run', await watComponentPath('scalars'), '--json', '--invoke', 'nope()'], env);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'unknown-export' } });
  });

  it('usage errors exit 2', () => {
    expect(wasmhost(['run'], env).code).toBe(2);
    expect(wasmhost(['frobnicate', 'x.wasm'], env).code).toBe(2);
  });

  it('a call that never returns is stopped at the default or --timeout-ms limit, with a clear message and a nonzero exit', async () => {
    const runaway = await watComponentPath('runaway');
    const limited = wasmhost(['run', runaway, '--timeout-ms', '300', '--invoke', 'spin()'], env);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toContain('wasmhost: error[trap]: spin did not return within 300 ms and was stopped (raise the limit with --timeout-ms)');
    // The default (10 s) applies without a flag: no hang, the same message.
    const byDefault = wasmhost(['run', runaway, '--invoke', 'spin()'], env);
    expect(byDefault.code).toBe(1);
    expect(byDefault.stderr).toContain('spin did not return within 10000 ms and was stopped');
    // A call within the limits works as before, in the worker.
    expect(wasmhost(['run', runaway, '--invoke', 'ok(41)'], env).stdout).toBe('42\n');
  }, 60_000);

  it('limit flags are checked', async () => {
    const scalars = await watComponentPath('scalars');
    const bad = wasmhost(['run', scalars, '--timeout-ms', '0', '--invoke', 'add(1, 2)'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--timeout-ms expects a whole number from 1 to 2147483647, got '0'");
    expect(wasmhost(['run', scalars, '--memory', 'lots', '--invoke', 'add(1, 2)'], env).stderr).toContain("--memory expects a whole number from 1 to 4096, got 'lots'");
    expect(wasmhost(['run', scalars, '--in-process', '--memory', '1', '--invoke', 'add(1, 2)'], env).stdout).toBe('3\n');
  });
});
