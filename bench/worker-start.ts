// Worker start + first call, against an in-process start of the same prepared component:
// a fresh thread compiling its own modules (the old path), a fresh thread with the host's
// shared compiled modules, and a pooled (already booted) thread with shared modules.
import { readFile } from 'node:fs/promises';
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { buildImports } from '../src/capabilities/build-imports.js';
import { transpileWithJco } from '../src/component/transpile.js';
import { createIsolatedWorkload, type IsolatedWorkloadOptions } from '../src/runtime/isolated-workload.js';
import { createModuleCache } from '../src/runtime/module-cache.js';
import { createThreadIsolate } from '../host-node/thread-isolate.js';
import { median, row } from './measure.js';

const MiB = 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median ms of `runs` starts of each kind, interleaved; a pause between starts lets the pool refill. */
export async function workerStart(componentPath: string, runs = 9): Promise<string[]> {
  const config = { threshold: '1000' };
  const grants = { sensors: ['*'], actuators: ['*'] };
  const device = createDeviceProvider(createSimulatedDrivers());
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [device], log: () => {} });
  const component = await host.load(await readFile(componentPath));
  await host.engine.prepare(component);
  const artifact = await transpileWithJco(component.bytes, component.digest);
  const fresh = createThreadIsolate({ pool: 0 });
  const pooled = createThreadIsolate({ pool: 1 });
  const modules = createModuleCache();
  const imports = () => buildImports(component.world, host.providers, { workload: 'bench', config, grants, log: () => {} });
  function options(isolate: IsolatedWorkloadOptions['isolate'], extra: Partial<IsolatedWorkloadOptions> = {}): IsolatedWorkloadOptions {
    return { name: 'bench', isolate, artifact, imports: imports(), limits: { callTimeoutMs: 1000, memoryBytes: 16 * MiB }, ...extra };
  }
  const keep = await createIsolatedWorkload(component, options(fresh, { modules })); // holds the shared modules
  const kinds: Record<string, () => Promise<void>> = {
    inProcess: async () => void (await host.instantiate(component, { config, grants })).call('process', 21),
    freshOwn: async () => once(options(fresh)),
    freshShared: async () => once(options(fresh, { modules })),
    pooledShared: async () => once(options(pooled, { modules })),
  };
  async function once(o: IsolatedWorkloadOptions): Promise<void> {
    const w = await createIsolatedWorkload(component, o);
    await w.call('process', 21);
    void w.close();
  }
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  await kinds.pooledShared(); // fills the pool, warms the host side
  for (let i = 0; i < runs; i++) {
    for (const [kind, start] of Object.entries(kinds)) {
      await sleep(150); // the pool refills; earlier workers finish closing
      const t = performance.now();
      await start();
      samples[kind].push(performance.now() - t);
    }
  }
  await keep.close();
  await pooled.close();
  const base = { label: 'in-process', value: median(samples.inProcess) };
  return [
    `worker start + first call (C example; median ms of ${runs}, interleaved)`,
    row('in-process (prepared component)', base.value, 'ms'),
    row('worker: fresh thread, modules compiled per workload', median(samples.freshOwn), 'ms', base),
    row('worker: fresh thread, shared compiled modules', median(samples.freshShared), 'ms', base),
    row('worker: pooled thread, shared modules (default)', median(samples.pooledShared), 'ms', base),
  ];
}
