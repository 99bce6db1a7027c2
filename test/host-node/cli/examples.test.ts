import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmhost } from './run-cli.js';

const ALARM = 'examples/threshold-alarm-c/threshold-alarm.wasm';
const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
let env: Record<string, string>;
beforeAll(async () => {
  env = { WASMHOST_CACHE_DIR: await mkdtemp(join(tmpdir(), 'wasmhost-cli-')) };
});

describe('the examples through the CLI', () => {
  it('inspect shows the C example world with full signatures', () => {
    const result = wasmhost(['inspect', ALARM], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('export process: func(celsius: f64) -> f64;');
    expect(result.stdout).toContain('export classify: func(sensor: string, celsius: f64) -> string;');
    expect(result.stdout).toContain('  import wasi:logging/logging@0.1.0-draft;\n');
    expect(result.stdout).toContain('package wasi:logging@0.1.0-draft {\n  interface logging {\n');
    expect(result.stdout).toMatch(/digest sha256:[0-9a-f]{64}/);
  });

  it('inspect --json gives the digest, size and typed world', () => {
    const info = JSON.parse(wasmhost(['inspect', FILTER, '--json'], env).stdout);
    expect(info.size).toBeGreaterThan(1_000_000);
    const process = info.world.exports.find((e: { kind: string; function?: { name: string } }) => e.function?.name === 'process');
    expect(process.function.params).toEqual([{ name: 'value', type: { kind: 'primitive', name: 'f64' } }]);
  });

  it('the C alarm logs and switches the granted actuator when the threshold is crossed', () => {
    const result = wasmhost(
      ['run', ALARM, '--grant', 'actuators=fan', '--config', 'threshold=30', '--config', 'actuator=fan', '--invoke', 'process(35)'],
      env,
    );
    expect(result.stdout).toBe('35\n');
    expect(result.stderr).toContain('rose above threshold 30.0 Cel');
    expect(result.stderr).toContain('[simulated] fan set to 1');
  });

  it('the C alarm classifies a reading (string in, string out)', () => {
    const result = wasmhost(['run', ALARM, '--grant', 'actuators', '--invoke', 'classify("greenhouse", -3.21)'], env);
    expect(result.stdout).toBe('"greenhouse: -3.2 Cel freezing"\n');
  });

  it('the JS filter reads a granted sensor and is denied another', () => {
    const ok = wasmhost(['run', FILTER, '--grant', 'sensors=temperature', '--grant', 'actuators', '--invoke', 'sample("temperature")'], env);
    expect(ok.stdout).toMatch(/^ok\(\{value: [\d.]+, unit: "Cel", timestamp-ms: \d+\}\)\n$/);
    const denied = wasmhost(['run', FILTER, '--grant', 'sensors=humidity', '--grant', 'actuators', '--invoke', 'sample("temperature")'], env);
    expect(denied.stdout).toBe('err("temperature: denied")\n');
  });

  it('without the grants the components are refused before they run, naming each grant', () => {
    const result = wasmhost(['run', FILTER, '--invoke', 'process(1)'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("wasmhost:device/sensors@0.1.0: not granted (the deployment needs a 'sensors' grant)");
    expect(result.stderr).toContain("wasmhost:device/actuators@0.1.0: not granted (the deployment needs an 'actuators' grant)");
  });
});
