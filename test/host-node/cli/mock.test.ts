import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmhost } from './run-cli.js';

const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
const ALARM = 'examples/threshold-alarm-c/threshold-alarm.wasm';
let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wasmhost-mock-'));
  env = { WASMHOST_CACHE_DIR: join(dir, 'cache') };
});

async function mockFile(content: unknown): Promise<string> {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('wasmhost run --mock', () => {
  it('serves mocked sensors and config, and prints every capability call', async () => {
    const mock = await mockFile({ sensors: { soil: { unit: '%', values: [40] } }, actuators: ['pump'], config: { window: '3' } });
    const result = wasmhost(['run', FILTER, '--mock', mock, '--invoke', 'sample("soil")'], env);
    expect(result.stdout).toBe('ok({value: 40, unit: "%", timestamp-ms: 0})\n');
    expect(result.stderr).toContain('call wasmhost:device/sensors.read("soil") → ok({"value":40,"unit":"%","timestampMs":"0"})');
    expect(result.stderr).toContain('call wasi:config/store.get("window") → ok("3")');
    expect(result.code).toBe(0);
  });

  it('records actuator calls and log-driving config of the C alarm', async () => {
    const mock = await mockFile({ actuators: ['fan'], config: { threshold: '10', actuator: 'fan' } });
    const result = wasmhost(['run', ALARM, '--mock', mock, '--invoke', 'process(12)'], env);
    expect(result.stdout).toBe('12\n');
    expect(result.stderr).toContain('call wasmhost:device/actuators.set("fan", 1) → ok');
    expect(result.stderr).toContain('call wasi:logging/logging.log("warn", "threshold-alarm"');
  });

  it('names the field of a malformed mock file', async () => {
    const bad = wasmhost(['run', FILTER, '--mock', await mockFile({ sensors: { t: [] } }), '--invoke', 'sample("t")'], env);
    expect(bad.stderr).toContain('sensors.t: expected a number, a non-empty array of numbers');
    expect(bad.code).toBe(1);
    const unknown = wasmhost(['run', FILTER, '--mock', await mockFile({ sensor: {} }), '--invoke', 'sample("t")'], env);
    expect(unknown.stderr).toContain('sensor: unknown field (expected sensors, actuators, config, keyvalue)');
    const notJson = wasmhost(['run', FILTER, '--mock', await mockFile('{sensors'), '--invoke', 'sample("t")'], env);
    expect(notJson.stderr).toMatch(/--mock .*\.json: .*JSON/);
  });
});
