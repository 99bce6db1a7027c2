import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { buildImports } from '../src/capabilities/build-imports.js';
import { createConfigProvider } from '../src/capabilities/config-provider.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { createLoggingProvider } from '../src/capabilities/logging-provider.js';
import type { CapabilityProvider } from '../src/capabilities/provider.js';
import type { Component } from '../src/component/component.js';
import type { TranspiledArtifact } from '../src/ports/artifact-cache.js';
import { transpileWithJco } from '../src/component/transpile.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolatedWorkloadOptions } from '../src/runtime/isolated-workload.js';
import { createThreadIsolate } from '../host-node/thread-isolate.js';
import { median, nsPerOp, row } from './measure.js';
import { duringFaults } from './fault-isolation.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MiB = 1048576;
const isolate = createThreadIsolate();

/** `wasmhost:faults/host` for test/fixtures/wat/faults.wat: `double` answers, `note` is fire-and-forget. */
const faultsHost: CapabilityProvider = {
  name: 'faults-host',
  offers: [{ name: 'wasmhost:faults/host' }],
  create: () => ({ 'wasmhost:faults/host': { double: (x: number) => 2 * x, note: () => {} } }),
};

/** `wasmhost:log-ring/host` for test/fixtures/wat/log-ring.wat (its logging goes to wasi:logging). */
const logRingHost: CapabilityProvider = {
  name: 'log-ring-host',
  offers: [{ name: 'wasmhost:log-ring/host' }],
  create: () => ({ 'wasmhost:log-ring/host': { double: (x: number) => 2 * x } }),
};

/** test/fixtures/wat/<world>.{wat,wit} built with jco's API. */
async function buildFixture(world: string): Promise<Uint8Array> {
  const dir = join(ROOT, 'test/fixtures/wat');
  const [wat, wit] = await Promise.all([readFile(join(dir, `${world}.wat`), 'utf8'), readFile(join(dir, `${world}.wit`), 'utf8')]);
  return componentNew(await componentEmbed({ binary: await parse(wat), witSource: wit, world }));
}

/** Microseconds per awaited call: batches interleaved round by round, median batch of each. */
async function usPerCall(candidates: Record<string, () => Promise<unknown>>, batch = 1000, rounds = 7): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((n) => [n, []]));
  // jco's glue runs slowly for its first few thousand calls in a fresh worker: warm every candidate up.
  for (const op of Object.values(candidates)) for (let i = 0; i < 3000; i++) await op();
  for (let r = 0; r < rounds; r++) {
    for (const [name, op] of Object.entries(candidates)) {
      const start = performance.now();
      for (let i = 0; i < batch; i++) await op();
      samples[name].push(((performance.now() - start) * 1000) / batch);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([n, xs]) => [n, median(xs)]));
}

/**
 * Worker isolation against in-process calls on the same components: the C example's
 * `process(f64)` and `classify(string, f64)`, an import answered by the host thread
 * (faults.wat `ask`), a fire-and-forget import (`tell`), 100 log lines through the note ring
 * (log-ring.wat `log-many`), start and restart, and a
 * healthy workload's latency while others loop, trap and exhaust memory.
 */
export async function isolation(componentPath: string): Promise<string[]> {
  const config = { threshold: '1000' };
  const grants = { sensors: ['*'], actuators: ['*'] };
  const device = createDeviceProvider(createSimulatedDrivers());
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [device, faultsHost, logRingHost, createLoggingProvider()], log: () => {} });
  const alarm = await host.load(await readFile(componentPath));
  const faults = await host.load(await buildFixture('faults'));
  const logRing = await host.load(await buildFixture('log-ring'));
  const local = await host.instantiate(alarm, { config, grants });
  // Not the fast scalar path: an import called under it leaks a jco task per call (see the report).
  const localFaults = await host.instantiate(faults, { fastCalls: false });
  const localLog = await host.instantiate(logRing, { fastCalls: false });

  const providers = [device, faultsHost, logRingHost, createLoggingProvider(), createConfigProvider()];
  const artifacts = new Map<string, Promise<TranspiledArtifact>>();
  const isolated = async (component: Component, extra: Partial<IsolatedWorkloadOptions> = {}) => {
    const imports = buildImports(component.world, providers, { workload: 'bench', config, grants, log: () => {} });
    if (!artifacts.has(component.digest)) artifacts.set(component.digest, transpileWithJco(component.bytes, component.digest));
    const artifact = await artifacts.get(component.digest)!;
    return createIsolatedWorkload(component, { name: 'bench', isolate, artifact, imports, limits: { callTimeoutMs: 1000, memoryBytes: 16 * MiB }, ...extra });
  };
  const remote = await isolated(alarm);
  const slotted = await isolated(alarm, { callSlot: true });
  const faultsSlotted = await isolated(faults, { callSlot: true });
  const remoteFaults = await isolated(faults);
  const spin = await isolated(faults, { importSpinUs: 100 });
  const doorbell = await isolated(faults, { waitAsync: false });
  const remoteLog = await isolated(logRing);

  let x = 20;
  const next = () => (x = x > 30 ? 20 : x + 0.01);
  const inProcess = nsPerOp({ process: () => local.call('process', next()), classify: () => local.call('classify', 'greenhouse', next()), ask: () => localFaults.call('ask', 5) });
  const worker = await usPerCall({
    process: () => remote.call('process', next()),
    processSlot: () => slotted.call('process', next()),
    classify: () => remote.call('classify', 'greenhouse', next()),
    ok: () => remoteFaults.call('ok', 5),
    ask: () => remoteFaults.call('ask', 5),
    askSlot: () => faultsSlotted.call('ask', 5),
    okSlot: () => faultsSlotted.call('ok', 5),
    tell: () => remoteFaults.call('tell', 5),
    askSpin: () => spin.call('ask', 5),
    okSpin: () => spin.call('ok', 5),
    askDoorbell: () => doorbell.call('ask', 5),
    okDoorbell: () => doorbell.call('ok', 5),
  });
  const chatter = await usPerCall({ worker: () => remoteFaults.call('chatter', 100), spin: () => spin.call('chatter', 100) }, 20);
  const localChatter = nsPerOp({ chatter: () => localFaults.call('chatter', 100) }, 200);
  const logs = await usPerCall({ worker100: () => remoteLog.call('log-many', 100), worker0: () => remoteLog.call('log-many', 0) }, 100);
  const localLogs = nsPerOp({ log100: () => localLog.call('log-many', 100), log0: () => localLog.call('log-many', 0) }, 200);
  const queuedStart = performance.now();
  await Promise.all(Array.from({ length: 10_000 }, () => remote.call('process', next())));
  const queuedUs = ((performance.now() - queuedStart) * 1000) / 10_000;

  const starts = await startTimes(host, alarm, isolated);
  const faultLines = await duringFaults(isolated, faults, remoteFaults);
  await Promise.all([remote, slotted, faultsSlotted, remoteFaults, spin, doorbell, remoteLog].map((w) => w.close()));

  const us = (ns: number) => ns / 1000;
  return [
    'worker isolation (worker_threads; µs per awaited call, median of 7 interleaved batches)',
    row('process(f64): in-process, fast path', us(inProcess.process), 'µs'),
    row('process(f64): worker, one call at a time', worker.process, 'µs', { label: 'in-process', value: us(inProcess.process) }),
    row('process(f64): worker, call slot (shared memory, opt-in)', worker.processSlot, 'µs', { label: 'by message', value: worker.process }),
    row('process(f64): worker, 10k calls queued', queuedUs, 'µs', { label: 'one at a time', value: worker.process }),
    row('classify(string, f64): in-process', us(inProcess.classify), 'µs'),
    row('classify(string, f64): worker', worker.classify, 'µs', { label: 'in-process', value: us(inProcess.classify) }),
    row('faults ok(u32): worker (no import)', worker.ok, 'µs'),
    row('faults ok(u32): worker, call slot (opt-in)', worker.okSlot, 'µs', { label: 'by message', value: worker.ok }),
    row('faults ask(u32), 1 blocking import: in-process', us(inProcess.ask), 'µs'),
    row('faults ask(u32): worker, Atomics.waitAsync (default)', worker.ask, 'µs', { label: 'worker ok', value: worker.ok }),
    row('faults ask(u32): worker, waitAsync + 100 µs spin', worker.askSpin, 'µs', { label: 'worker ok', value: worker.okSpin }),
    row('faults ask(u32): worker, doorbell message', worker.askDoorbell, 'µs', { label: 'worker ok', value: worker.okDoorbell }),
    row('  import round trip, waitAsync (default)', worker.ask - worker.ok, 'µs'),
    row('  import round trip, waitAsync, call slot', worker.askSlot - worker.okSlot, 'µs'),
    row('  import round trip, waitAsync + 100 µs spin', worker.askSpin - worker.okSpin, 'µs'),
    row('  import round trip, doorbell message', worker.askDoorbell - worker.okDoorbell, 'µs'),
    row('chatter(100), 100 imports back to back: in-process', us(localChatter.chatter) / 100, 'µs/import'),
    row('chatter(100): worker, waitAsync (default)', chatter.worker / 100, 'µs/import', { label: 'in-process', value: us(localChatter.chatter) / 100 }),
    row('chatter(100): worker, waitAsync + 100 µs spin', chatter.spin / 100, 'µs/import', { label: 'in-process', value: us(localChatter.chatter) / 100 }),
    row('faults tell(u32), fire-and-forget import: worker', worker.tell, 'µs', { label: 'worker ok', value: worker.ok }),
    row('log-many(100), 100 fire-and-forget imports (logging) back to back: in-process', us(localLogs.log100) / 100, 'µs/import'),
    row('log-many(100): worker, note ring', logs.worker100 / 100, 'µs/import', { label: 'in-process', value: us(localLogs.log100) / 100 }),
    row('  same, the call itself taken out (minus log-many(0)): in-process', (us(localLogs.log100) - us(localLogs.log0)) / 100, 'µs/import'),
    row('  same: worker, note ring', (logs.worker100 - logs.worker0) / 100, 'µs/import', { label: 'in-process', value: (us(localLogs.log100) - us(localLogs.log0)) / 100 }),
    ...starts,
    ...faultLines,
  ];
}

async function startTimes(host: ReturnType<typeof createHost>, alarm: Component, isolated: (c: Component) => Promise<IsolatedWorkload>): Promise<string[]> {
  const local: number[] = [];
  const worker: number[] = [];
  for (let i = 0; i < 10; i++) {
    let t = performance.now();
    (await host.instantiate(alarm, { config: { threshold: '1000' }, grants: { sensors: ['*'], actuators: ['*'] } })).call('process', 21);
    local.push(performance.now() - t);
    t = performance.now();
    const w = await isolated(alarm);
    await w.call('process', 21);
    worker.push(performance.now() - t);
    await w.close();
  }
  return [
    row('start + first call: in-process (prepared)', median(local), 'ms'),
    row('start + first call: worker', median(worker), 'ms', { label: 'in-process', value: median(local) }),
  ];
}
