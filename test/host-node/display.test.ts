// wasmhost:display end to end: the greenhouse-panel example (QuickJS) on a Node host, in the
// host's thread and in a worker, drawing on the host's display board from real sensor drivers.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHost } from '../../host-node/node-host.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { createDeviceProvider } from '../../src/capabilities/device-provider.js';
import type { Grants } from '../../src/capabilities/grants.js';
import type { LogEntry } from '../../src/capabilities/provider.js';
import type { DisplayPanel } from '../../src/runtime/display-board.js';

const COMPONENT = fileURLToPath(new URL('../../examples/greenhouse-panel-js/greenhouse-panel.wasm', import.meta.url));
const GRANTS: Grants = { sensors: ['*'], display: ['greenhouse'] };

let dir: string;
let bytes: Uint8Array;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wasmhost-display-'));
  bytes = await readFile(COMPONENT);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function start() {
  let temperature = 21;
  const logs: LogEntry[] = [];
  const device = createDeviceProvider({
    sensors: {
      'air-temp': { unit: 'Cel', kind: 'temperature', read: () => temperature },
      'air-humidity': { unit: '%RH', kind: 'humidity', read: () => 64 },
      'soil-probe': { unit: '%', kind: 'moisture', read: () => { throw new Error('bus error'); } },
    },
  });
  const host = createNodeHost({ cacheDir: join(dir, 'cache'), providers: [createWasiProvider(), device], log: (e) => logs.push(e) });
  return { host, logs, setTemperature: (t: number) => { temperature = t; } };
}

const rows = (panel: DisplayPanel | undefined) => Object.fromEntries((panel?.items ?? []).map((i) => [i.label, i.content]));

describe('the greenhouse panel draws on the display board', () => {
  it('in the host thread: gauge, values, an unavailable sensor and a growing series', async () => {
    const { host, setTemperature } = start();
    const workload = await host.instantiate(await host.load(bytes), { name: 'kiosk/panel', grants: GRANTS });
    expect(workload.call('refresh')).toEqual({ tag: 'ok', val: 2 });
    setTemperature(22.5);
    expect(workload.call('refresh')).toEqual({ tag: 'ok', val: 2 });
    const [panel, ...others] = host.display.panels();
    expect(others).toEqual([]);
    expect(panel).toMatchObject({ workload: 'kiosk/panel', name: 'greenhouse', title: 'Greenhouse' });
    expect(rows(panel)).toEqual({
      'air-temp': { kind: 'value', value: 22.5, unit: 'Cel' },
      'air-humidity': { kind: 'gauge', value: 64, min: 0, max: 100, unit: '%RH' },
      'soil-probe': { kind: 'text', text: 'unavailable (unavailable: bus error)' },
      'temperature trend': { kind: 'series', unit: 'Cel', points: [expect.objectContaining({ value: 21 }), expect.objectContaining({ value: 22.5 })] },
    });
    workload.close();
  });

  it('in a worker: the same panel crosses the isolation boundary', async () => {
    const { host } = start();
    const workload = await host.startIsolated(await host.load(bytes), { name: 'kiosk/isolated', grants: GRANTS, limits: { callTimeoutMs: 10_000, memoryBytes: 64 << 20 } });
    try {
      expect(await workload.call('refresh')).toEqual({ tag: 'ok', val: 2 });
      expect(rows(host.display.panels()[0])['air-humidity']).toEqual({ kind: 'gauge', value: 64, min: 0, max: 100, unit: '%RH' });
    } finally {
      await workload.close();
    }
  });

  it('a panel the deployment did not grant is the interface error `denied`, logged, and nothing is shown', async () => {
    const { host, logs } = start();
    const workload = await host.instantiate(await host.load(bytes), { name: 'kiosk/other', grants: { sensors: ['*'], display: ['status'] } });
    expect(workload.call('refresh')).toEqual({ tag: 'err', val: 'denied' });
    expect(host.display.panels()).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'panel greenhouse not shown: denied' }));
    workload.close();
  });

  it('without a display grant the host refuses to instantiate it, naming the grant', async () => {
    const { host } = start();
    const component = await host.load(bytes);
    await expect(host.instantiate(component, { name: 'kiosk/none', grants: { sensors: ['*'] } })).rejects.toThrow(/wasmhost:display\/panels.*display/);
  });
});
