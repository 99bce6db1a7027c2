import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watComponentPath } from '../../support/wat-components.js';
import { wasmhost } from './run-cli.js';

describe('the CLI artifact cache', () => {
  it('transpiles once; a second run reuses the entry; a corrupt entry is rebuilt', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'wasmhost-cli-'));
    const env = { WASMHOST_CACHE_DIR: cacheDir };
    const path = await watComponentPath('strings');
    const call = ['run', path, '--invoke', 'greet("cache")'];

    expect(wasmhost(call, env).stdout).toBe('"Hello, cache!"\n');
    const [entry] = await readdir(join(cacheDir, 'jco'));
    const glue = join(cacheDir, 'jco', entry, 'component.js');
    const written = (await stat(glue)).mtimeMs;

    const second = wasmhost(call, env);
    expect(second).toMatchObject({ code: 0, stdout: '"Hello, cache!"\n', stderr: '' });
    expect((await stat(glue)).mtimeMs).toBe(written);

    await writeFile(glue, 'export function instantiate() { throw new Error("tampered"); }\n');
    const third = wasmhost(call, env);
    expect(third.stderr).toContain('does not match its checksum); transpiling again');
    expect(third.stdout).toBe('"Hello, cache!"\n');
    expect(third.code).toBe(0);
  });
});
