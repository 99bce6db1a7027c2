// The interface versions other ecosystems' components import are served (before: refused as
// "not compatible"), and an unversioned import that cannot be served is refused saying why.
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliFixturePath } from '../../support/cli-fixtures.js';
import { wasmhost } from './run-cli.js';

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wasmhost-versions-'));
  env = { WASMHOST_CACHE_DIR: join(dir, 'cache'), WASMHOST_STATE_DIR: dir };
});

describe('standard interface versions other ecosystems import', () => {
  it('check accepts wasi:keyvalue@0.2.0-draft, wasi:config@0.2.0-rc.1 and unversioned wasi:logging of the same shape', async () => {
    const result = wasmhost(['check', await cliFixturePath('ecosystem-versions'), '--grant', 'keyvalue=b'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'vm: can run the component\n' });
  });

  it('run serves each of them', async () => {
    const path = await cliFixturePath('ecosystem-versions');
    // In run's worker (the default): the key-value bucket stays in the CLI's thread, the worker holds a handle.
    const flags = ['--grant', 'keyvalue=b', '--config', 'greeting=hello', '--data-dir', join(dir, 'data')];
    const hello = wasmhost(['run', path, '--invoke', 'hello()', ...flags], env);
    expect(hello).toMatchObject({ code: 0, stderr: '[ecosystem-versions.wasm] info ctx: hello\n' });
    expect(wasmhost(['run', path, '--invoke', 'config-len("greeting")', ...flags], env)).toMatchObject({ code: 0, stdout: '5\n' });
    expect(wasmhost(['run', path, '--invoke', 'count()', ...flags], env)).toMatchObject({ code: 0, stdout: '1\n' });
    expect(wasmhost(['run', path, '--invoke', 'count()', ...flags], env)).toMatchObject({ code: 0, stdout: '2\n' });
  });

  it('an unversioned import of another shape is refused, saying how it differs and what to build against', async () => {
    const path = await cliFixturePath('logging-other-shape');
    const check = wasmhost(['check', path], env);
    expect(check.code).toBe(3);
    expect(check.stdout).toContain(
      '  - wasi:logging/logging: imported without a version, and not the shape of what this host offers (0.1.0-draft): at 0.1.0-draft, log has another signature' +
        ' → build the component against the WIT this host offers (wasi:logging/logging@0.1.0-draft, vendored in wasmhost\'s wit/deps/)',
    );
    expect(check.stdout).not.toContain('not compatible');
    const run = wasmhost(['run', path, '--invoke', 'hello()'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('wasi:logging/logging: imported without a version, and not the shape of what this host offers (0.1.0-draft)');
  });
});

describe('the offers come from wit/deps/', () => {
  it('src/capabilities/vendored-wit.ts is what wit/vendored-wit.mjs makes of wit/deps/ (it reads dist/, as the bin does)', () => {
    const check = spawnSync(process.execPath, ['wit/vendored-wit.mjs', '--check'], { encoding: 'utf8', timeout: 60_000 });
    expect(check.stderr).toBe('');
    expect(check.stdout).toBe('vendored-wit.ts matches wit/deps/\n');
  });
});
