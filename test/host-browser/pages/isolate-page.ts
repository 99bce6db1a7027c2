/// <reference lib="dom" />
// The page of test/host-browser/isolate.test.ts: a host with the Web Worker isolate and
// browser WASI, driven from the test through `globalThis.isolatePage`. Component files
// (built by the test in Node) are fetched from the page's directory.
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createDeviceProvider, createSimulatedDrivers } from '../../../src/capabilities/device-provider.js';
import type { CapabilityProvider, LogEntry } from '../../../src/capabilities/provider.js';
import type { Grants } from '../../../src/capabilities/grants.js';
import { buildImports } from '../../../src/capabilities/build-imports.js';
import { transpileWithJco } from '../../../src/component/transpile.js';
import type { WasmhostErrorJson } from '../../../src/errors.js';
import { WasmhostError } from '../../../src/errors.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolationEvent, type IsolationLimits } from '../../../src/runtime/isolated-workload.js';
import { createWebWorkerIsolate } from '../../../host-browser/web-worker-isolate.js';
import { createBrowserWasiProvider } from '../../../host-browser/wasi-provider.js';

/** A call's outcome as plain data (errors do not survive page.evaluate). */
export type Outcome = { ok: true; value: unknown; ms: number } | { ok: false; error: WasmhostErrorJson; ms: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isolate = createWebWorkerIsolate({ workerUrl: new URL('./workload-worker.js', import.meta.url) });
const logs: string[] = [];
const thingCalls: string[] = [];
const notes: number[] = [];

/** The faults component's host interface: `double` answers after an awaited timer. */
const faultsHost: CapabilityProvider = {
  name: 'faults-host',
  offers: [{ name: 'wasmhost:faults/host' }],
  create: () => ({ 'wasmhost:faults/host': { double: async (x: number) => (await sleep(1), 2 * x), note: (x: number) => void notes.push(x) } }),
};
/** imports-logging's made-up interface. */
const thing: CapabilityProvider = {
  name: 'thing',
  offers: [{ name: 'example:missing/thing', version: '2.0.0' }],
  create: () => ({ 'example:missing/thing': { frob: async (x: number) => (thingCalls.push(`frob ${x}`), 3 * x), describe: (x: number) => `#${x} ✓` } }),
};
/** The faults host with a synchronous `double`, for timing the bridge itself. */
const quickHost: CapabilityProvider = { ...faultsHost, create: () => ({ 'wasmhost:faults/host': { double: (x: number) => 2 * x, note: () => {} } }) };

const host = createHost({
  artifactCache: createMemoryArtifactCache(),
  isolate,
  providers: [createBrowserWasiProvider(), faultsHost, thing, createDeviceProvider(createSimulatedDrivers(1))],
  log: (e: LogEntry) => void logs.push(`${e.level} ${e.context}: ${e.message}`),
});
const workloads = new Map<string, { workload: IsolatedWorkload; events: IsolationEvent[] }>();

async function fetchBytes(file: string): Promise<Uint8Array> {
  const response = await fetch(new URL(file, import.meta.url));
  if (!response.ok) throw new Error(`${file}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** `value` as JSON-like data (bigints as strings). */
const plain = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))));

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  const t = performance.now();
  try {
    const value = await run();
    return { ok: true, value: plain(value), ms: performance.now() - t };
  } catch (error) {
    const json = error instanceof WasmhostError ? error.toJSON() : { code: 'trap' as const, message: String(error) };
    return { ok: false, error: plain(json), ms: performance.now() - t };
  }
}

function get(name: string) {
  const entry = workloads.get(name);
  if (!entry) throw new Error(`no workload ${name}`);
  return entry;
}

const page = {
  crossOriginIsolated: () => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated,

  /** Starts `file` isolated as `name`; `quick` swaps in the synchronous faults host. */
  start(name: string, file: string, limits: IsolationLimits, options: { grants?: Grants; quick?: boolean } = {}): Promise<Outcome> {
    return outcome(async () => {
      const component = await host.load(await fetchBytes(file));
      const events: IsolationEvent[] = [];
      const providers = options.quick ? [quickHost] : [];
      const workload = await host.startIsolated(component, { name, limits, grants: options.grants, providers, backoff: { initialMs: 20 }, onEvent: (e) => events.push(e) });
      workloads.set(name, { workload, events });
      return events.map((e) => (e.type === 'started' ? { type: e.type, ms: e.ms } : { type: e.type }));
    });
  },

  call: (name: string, fn: string, ...args: unknown[]) => outcome(() => get(name).workload.call(fn, ...args)),

  status(name: string) {
    const { workload, events } = get(name);
    return { state: workload.state, restarts: workload.restarts, events: events.map((e) => (e.type === 'stopped' ? `stopped ${e.reason}` : e.type)) };
  },

  async untilRunning(name: string): Promise<number> {
    const t = performance.now();
    const { workload } = get(name);
    while (workload.state !== 'running') {
      if (performance.now() - t > 10_000) throw new Error(`${name} did not restart`);
      await sleep(5);
    }
    return performance.now() - t;
  },

  /** Calls `fn` while counting timer ticks and animation frames on the page. */
  async callWhileTicking(name: string, fn: string, ...args: unknown[]) {
    let ticks = 0;
    let frames = 0;
    let ticking = true;
    const tick = () => { if (ticking) { ticks++; setTimeout(tick, 10); } };
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): number }).requestAnimationFrame;
    const frame = () => { if (ticking) { frames++; raf(frame); } };
    tick();
    raf(frame);
    const result = await page.call(name, fn, ...args);
    ticking = false;
    return { result, ticks, frames };
  },

  /** Mean ms per call of `fn(arg)` over `n` sequential calls, after `warm` unmeasured ones. */
  async timeCalls(name: string, fn: string, arg: number, n: number, warm = 50): Promise<number> {
    const { workload } = get(name);
    for (let i = 0; i < warm; i++) await workload.call(fn, arg);
    const t = performance.now();
    for (let i = 0; i < n; i++) await workload.call(fn, arg);
    return (performance.now() - t) / n;
  },

  /** What browser WASI offers and what `wasi:filesystem/preopens` lists, even when a directory is "granted". */
  wasiFacts() {
    const wasi = createBrowserWasiProvider();
    const imports = wasi.create({ workload: 'facts', config: {}, grants: { filesystem: { '/data': '/tmp' }, env: { A: '1' } }, log: () => {} });
    const preopens = imports['wasi:filesystem/preopens'] as { getDirectories(): unknown[] };
    const env = imports['wasi:cli/environment'] as { getEnvironment(): [string, string][] };
    let exit: unknown;
    try {
      (imports['wasi:cli/exit'] as { exitWithCode(c: number): void }).exitWithCode(3);
    } catch (error) {
      exit = error instanceof WasmhostError ? error.toJSON() : String(error);
    }
    return { offers: wasi.offers.map((o) => o.name), directories: preopens.getDirectories().length, env: env.getEnvironment(), exit };
  },

  /** hello-command-c with `args`, isolated, without the host's `startIsolated` (which has no argv option). */
  runCommand(file: string, args: string[], grants: Grants): Promise<Outcome> {
    return outcome(async () => {
      const component = await host.load(await fetchBytes(file));
      const artifact = await transpileWithJco(component.bytes, component.digest);
      const imports = buildImports(component.world, [createBrowserWasiProvider()], { workload: 'hello', config: {}, grants, log: () => {} });
      const workload = await createIsolatedWorkload(component, { name: 'hello', isolate, artifact, imports, grants, wasiArgs: args, limits: { callTimeoutMs: 5000, memoryBytes: 16 << 20 } });
      try {
        return await workload.call('run');
      } finally {
        await workload.close();
      }
    });
  },

  /** Spawns a worker from `url` and returns the error its isolate reports through `onExit`. */
  spawnFailure(url: string): Promise<WasmhostErrorJson> {
    const worker = createWebWorkerIsolate({ workerUrl: new URL(url, import.meta.url) }).spawn({ name: 'broken' });
    return new Promise((resolve) => worker.onExit((error) => resolve(plain(error.toJSON()))));
  },

  logs: () => logs.splice(0),
  thingCalls: () => thingCalls.splice(0),
  notes: () => notes.splice(0),

  async closeAll(): Promise<void> {
    await Promise.all([...workloads.values()].map(({ workload }) => workload.close()));
    workloads.clear();
  },
};

/** What the test drives through page.evaluate. */
export type IsolatePage = typeof page;
(globalThis as unknown as { isolatePage: IsolatePage }).isolatePage = page;
