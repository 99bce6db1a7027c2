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
import { START_TRACE_CHANNEL, type StartSteps } from '../host-node/start-trace.js';
import { workloadWorkerUrl } from '../host-node/workload-worker-url.js';
import { BroadcastChannel } from 'node:worker_threads';
import { performance as perf } from 'node:perf_hooks';
import { median, row } from './measure.js';

const MiB = 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median ms of `runs` starts of each kind, interleaved; a pause between starts lets the pool refill. */
export async function workerStart(componentPath: string, runs = 9): Promise<string[]> {
  process.env.WASMHOST_START_TRACE = '1'; // workers stamp their steps (host-node/start-trace.ts)
  const traces = new BroadcastChannel(START_TRACE_CHANNEL);
  let nextTrace: (steps: StartSteps) => void = () => {};
  traces.onmessage = (event) => nextTrace((event as unknown as { data: StartSteps }).data);
  const config = { threshold: '1000' };
  const grants = { sensors: ['*'], actuators: ['*'] };
  const device = createDeviceProvider(createSimulatedDrivers());
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [device], log: () => {} });
  const component = await host.load(await readFile(componentPath));
  await host.engine.prepare(component);
  const artifact = await transpileWithJco(component.bytes, component.digest);
  // The worker entry the hosts use (the bundle when built).
  const fresh = createThreadIsolate({ pool: 0, workerUrl: workloadWorkerUrl() });
  const pooled = createThreadIsolate({ pool: 1, workerUrl: workloadWorkerUrl() });
  const modules = createModuleCache();
  const imports = () => buildImports(component.world, host.providers, { workload: 'bench', config, grants, log: () => {} });
  function options(isolate: IsolatedWorkloadOptions['isolate'], extra: Partial<IsolatedWorkloadOptions> = {}): IsolatedWorkloadOptions {
    return { name: 'bench', isolate, artifact, imports: imports(), limits: { callTimeoutMs: 1000, memoryBytes: 16 * MiB }, ...extra };
  }
  const keep = await createIsolatedWorkload(component, options(fresh, { modules })); // holds the shared modules
  // Each start resolves to its ms (a worker's, before its trace arrives).
  const kinds: Record<string, (at: number) => Promise<number>> = {
    inProcess: async (at) => ((await host.instantiate(component, { config, grants })).call('process', 21), wall() - at),
    freshOwn: (at) => once(options(fresh), at, 'freshOwn'),
    freshShared: (at) => once(options(fresh, { modules }), at, 'freshShared'),
    pooledShared: (at) => once(options(pooled, { modules }), at, 'pooledShared'),
  };
  const steps: Record<string, Record<string, number>[]> = { freshShared: [], pooledShared: [] };
  async function once(o: IsolatedWorkloadOptions, at: number, kind: string): Promise<number> {
    const traced = new Promise<StartSteps>((resolve) => (nextTrace = resolve));
    const w = await createIsolatedWorkload(component, o);
    const ready = wall();
    await w.call('process', 21);
    const done = wall();
    const trace = await traced;
    steps[kind]?.push(phases(trace, at, ready, done));
    void w.close();
    return done - at;
  }
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  await kinds.pooledShared(wall()); // fills the pool, warms the host side
  steps.pooledShared.length = 0;
  for (let i = 0; i < runs; i++) {
    for (const [kind, start] of Object.entries(kinds)) {
      await sleep(150); // the pool refills; earlier workers finish closing
      samples[kind].push(await start(wall()));
    }
  }
  traces.close();
  await keep.close();
  await pooled.close();
  const base = { label: 'in-process', value: median(samples.inProcess) };
  return [
    `worker start + first call (C example; median ms of ${runs}, interleaved)`,
    row('in-process (prepared component)', base.value, 'ms'),
    row('worker: fresh thread, modules compiled per workload', median(samples.freshOwn), 'ms', base),
    row('worker: fresh thread, shared compiled modules', median(samples.freshShared), 'ms', base),
    row('worker: pooled thread, shared modules (default)', median(samples.pooledShared), 'ms', base),
    '  where it goes (median ms of each step; stamped in the worker, host-node/start-trace.ts):',
    breakdown('fresh thread', steps.freshShared),
    breakdown('pooled', steps.pooledShared),
  ];
}

const wall = () => perf.timeOrigin + perf.now();

/** A start's steps in ms, from the host's view (`at`: createIsolatedWorkload called) and the worker's stamps. */
function phases(s: StartSteps, at: number, ready: number, done: number): Record<string, number> {
  const out: Record<string, number> = s.entry > at
    ? { 'thread, Node boot, module loading': s.entry - at, 'module evaluation': s.loaded - s.entry, 'to init': s.init - s.loaded }
    : { 'host to init': s.init - at };
  Object.assign(out, {
    imports: s.glue - s.init,
    ...(s.wasi !== undefined ? { 'wasi shim': s['wasi-loaded'] - s.wasi } : {}),
    glue: s['glue-loaded'] - s.glue,
    instantiate: s.ready - s['glue-loaded'],
    'ready reaches host': ready - s.ready,
    'host to call': s.call - ready,
    'first call': s.answered - s.call,
    'result to host': done - s.answered,
  });
  return out;
}

function breakdown(label: string, samples: Record<string, number>[]): string {
  if (!samples.length) return `    ${label}: no trace`;
  const names = Object.keys(samples[0]);
  return `    ${label}: ${names.map((n) => `${n} ${median(samples.map((x) => x[n])).toFixed(1)}`).join(', ')}`;
}
