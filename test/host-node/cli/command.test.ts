import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmhost } from './run-cli.js';

const HELLO = 'examples/hello-command-c/hello.wasm';
let env: Record<string, string>;
let data: string;

beforeAll(async () => {
  env = { WASMHOST_CACHE_DIR: await mkdtemp(join(tmpdir(), 'wasmhost-cli-')) };
  data = await mkdtemp(join(tmpdir(), 'wasmhost-data-'));
  await writeFile(join(data, 'note.txt'), 'from the host\n');
});

describe('wasmhost run <command component>', () => {
  it('passes arguments after --, prints stdout and stderr, exits 0', () => {
    const result = wasmhost(['run', HELLO, '--', 'one', 'two words'], env);
    expect(result.stdout).toBe('argc=3\nargv[0]=hello.wasm\nargv[1]=one\nargv[2]=two words\nHello from a wasm command\n');
    expect(result.stderr).toBe('hello: done\n');
    expect(result.code).toBe(0);
  });

  it('sees only the environment it is granted', () => {
    const leaked = wasmhost(['run', HELLO], { ...env, GREETING: 'Leaked' });
    expect(leaked.stdout).toContain('Hello from a wasm command');
    const granted = wasmhost(['run', HELLO, '--env', 'GREETING=Moin'], env);
    expect(granted.stdout).toContain('Moin from a wasm command');
  });

  it('sees a directory only when granted, at the guest path', async () => {
    const denied = wasmhost(['run', HELLO, '--', '--cat', 'note.txt'], env);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('cannot read /data/note.txt: Capabilities insufficient');
    const granted = wasmhost(['run', HELLO, '--dir', `${data}::/data`, '--', '--list', '--cat', 'note.txt', '--write', 'out.txt', 'written by wasm'], env);
    expect(granted.stdout).toContain('/data: 1 entries\n  note.txt\n');
    expect(granted.stdout).toContain('from the host\n');
    expect(granted.code).toBe(0);
    expect(await readFile(join(data, 'out.txt'), 'utf8')).toBe('written by wasm\n');
  });

  it('returns the exit code the component chose', () => {
    const result = wasmhost(['run', HELLO, '--', '--exit', '3'], env);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('hello: done');
  });

  it('refuses --invoke-less runs of a non-command with the exports to call instead', () => {
    const result = wasmhost(['run', 'examples/threshold-alarm-c/threshold-alarm.wasm', '--grant', 'actuators'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a command');
    expect(result.stderr).toContain('classify');
  });
});
