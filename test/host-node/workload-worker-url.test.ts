// The bundled workload worker (host-node/build-cli.mjs, picked by workload-worker-url.ts): a
// component that imports WASI runs in it as in the worker loaded module by module, its WASI
// loaded on demand from a chunk of the bundle.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeHost } from '../../host-node/node-host.js';
import { createThreadIsolate, type ThreadIsolate } from '../../host-node/thread-isolate.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { createDeviceProvider, createSimulatedDrivers } from '../../src/capabilities/device-provider.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILTER = join(ROOT, 'examples/sensor-filter-js/sensor-filter.wasm');
// Inside the package, so the bundle's packages resolve from node_modules.
const BUNDLE = join(ROOT, 'dist', `.test-worker-bundle-${process.pid}`);
const isolates: ThreadIsolate[] = [];

afterAll(async () => {
  await Promise.all(isolates.map((i) => i.close()));
  await rm(BUNDLE, { recursive: true, force: true });
});

async function averages(workerUrl?: URL): Promise<unknown[]> {
  const isolate = createThreadIsolate({ pool: 0, workerUrl });
  isolates.push(isolate);
  const host = createNodeHost({ cacheDir: await mkdtemp(join(tmpdir(), 'wasmhost-worker-bundle-')), isolate, providers: [createWasiProvider(), createDeviceProvider(createSimulatedDrivers())], log: () => {} });
  const component = await host.load(await readFile(FILTER));
  const workload = await host.startIsolated(component, { name: 'filter', config: { window: '2' }, grants: { sensors: ['*'], actuators: ['*'] }, limits: { callTimeoutMs: 20_000, memoryBytes: 64 << 20 } });
  try {
    return [await workload.call('process', 10), await workload.call('process', 20), await workload.call('process', 40)];
  } finally {
    await workload.close();
  }
}

describe('the bundled workload worker', () => {
  it('runs a WASI-importing component as the unbundled entry does, its WASI from a lazy chunk', async () => {
    const { bundleWorker } = (await import(pathToFileURL(join(ROOT, 'host-node/build-cli.mjs')).href)) as { bundleWorker(dir: string): Promise<void> };
    await bundleWorker(BUNDLE);
    const files = await readdir(BUNDLE);
    const entry = await readFile(join(BUNDLE, 'workload-worker.js'), 'utf8');
    expect(entry).not.toContain('WASIShim'); // preview2-shim stays behind a dynamic import
    expect(files.length).toBeGreaterThan(1);
    const bundled = await averages(pathToFileURL(join(BUNDLE, 'workload-worker.js')));
    expect(bundled).toEqual(await averages());
    expect(bundled).toEqual([10, 15, 30]);
  }, 120_000);

  it('is looked up at the first spawn, not when the isolate is made (an in-process start never needs it)', async () => {
    let lookups = 0;
    const isolate = createThreadIsolate({ pool: 0, workerUrl: () => (lookups++, undefined) });
    isolates.push(isolate);
    const host = createNodeHost({ cacheDir: await mkdtemp(join(tmpdir(), 'wasmhost-worker-url-')), isolate, providers: [createWasiProvider(), createDeviceProvider(createSimulatedDrivers())], log: () => {} });
    const component = await host.load(await readFile(FILTER));
    const inProcess = await host.instantiate(component, { config: { window: '2' }, grants: { sensors: ['*'], actuators: ['*'] } });
    expect(inProcess.call('process', 10)).toBe(10);
    expect(lookups).toBe(0);
    const workload = await host.startIsolated(component, { name: 'filter', config: { window: '2' }, grants: { sensors: ['*'], actuators: ['*'] }, limits: { callTimeoutMs: 20_000, memoryBytes: 64 << 20 } });
    try {
      expect(await workload.call('process', 10)).toBe(10);
      expect(lookups).toBe(1);
    } finally {
      await workload.close();
    }
  }, 120_000);
});
