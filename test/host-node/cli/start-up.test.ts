// `--help` and `inspect` load only what they use: with the host's heavy dependencies made
// unloadable, they still work (before lazy loading, every command loaded them all up front).
// How fast that makes them is measured in bench/cli-start.ts, not asserted here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));
const DENY = fileURLToPath(new URL('../../support/deny-heavy-imports.mjs', import.meta.url));

function withoutHeavyModules(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', DENY, BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('start-up loads only what the command uses', () => {
  it('--help loads no engine, broker, database or codec', () => {
    const result = withoutHeavyModules(['--help']);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('wasmhost inspect <component.wasm>');
  });

  it('inspect reads the world without the engine', () => {
    const result = withoutHeavyModules(['inspect', 'examples/sensor-filter-js/sensor-filter.wasm']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^component examples\/sensor-filter-js\/sensor-filter\.wasm\n {2}digest sha256:/);
  });

  it('the hooks do deny: a command that runs components fails without them', () => {
    // `device` no longer loads the WASI shim (its offers are known up front); an in-process run does.
    const result = withoutHeavyModules(['run', 'examples/threshold-alarm-c/threshold-alarm.wasm', '--in-process', '--grant', 'actuators=*', '--invoke', 'process(1.0)']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('must not be loaded');
  });

  it('serve --help prints the serve paragraph', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8' });
    expect(result.stdout).toMatch(/^Usage: wasmhost serve \[--port 8080\]/);
    expect(result.stdout).toContain('turns every browser that opens the printed URL into a browser device');
  });

  it('an unknown command is named as such (not as one missing its file)', () => {
    const result = withoutHeavyModules(['bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^wasmhost: error\[bad-input\]: unknown command 'bogus'\n/);
  });
});
