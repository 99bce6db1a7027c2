// A healthy isolated workload's latency while three neighbours fail (an endless loop stopped by
// its time limit, a trap, a memory blow-up), against its latency alone, in the same run: quiet
// and failing windows alternate, so a change in the machine's load falls on both. The failing
// neighbours run twice: on an isolate that starts crash-looping workloads as background
// (lowered) threads, the default, and on one that does not, to show what that buys. Beside the
// figures, where the host thread's time went: event-loop delay, GC, worker starts and stops.
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { loadComponent, type Component } from '../src/component/component.js';
import { transpileWithJco } from '../src/component/transpile.js';
import type { Isolate, IsolateWorker } from '../src/ports/isolate.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolatedWorkloadOptions } from '../src/runtime/isolated-workload.js';
import { createThreadIsolate } from '../host-node/thread-isolate.js';
import { median, row } from './measure.js';

const MiB = 1048576;
const QUIET_MS = 700;
const FAILING_MS = 1200;
const CYCLES = 3;
/** Unmeasured time after a failing window, so the stopped workers' teardown does not fall in the next quiet one. */
const SETTLE_MS = 300;

type Start = (c: Component, o?: Partial<IsolatedWorkloadOptions>) => Promise<IsolatedWorkload>;

/** The bench section `faults`: these figures without the rest of `isolation`. */
export async function faultIsolation(): Promise<string[]> {
  const dir = new URL('../../test/fixtures/wat/', import.meta.url);
  const [wat, wit] = await Promise.all([readFile(new URL('faults.wat', dir), 'utf8'), readFile(new URL('faults.wit', dir), 'utf8')]);
  const bytes = await componentNew(await componentEmbed({ binary: await parse(wat), witSource: wit, world: 'faults' }));
  const component = await loadComponent(bytes);
  const artifact = await transpileWithJco(bytes, component.digest);
  const imports = { 'wasmhost:faults/host': { double: (x: number) => 2 * x, note: () => {} } };
  const isolate = createThreadIsolate();
  const start: Start = (c, o = {}) => createIsolatedWorkload(c, { name: 'bench', isolate, artifact, imports, limits: { callTimeoutMs: 1000, memoryBytes: 16 * MiB }, ...o });
  const healthy = await start(component);
  // jco's glue runs slowly for its first few thousand calls in a fresh worker.
  for (let i = 0; i < 3000; i++) await healthy.call(i % 2 ? 'ok' : 'ask', i);
  try {
    return await duringFaults(start, component, healthy);
  } finally {
    await healthy.close();
    await isolate.close();
  }
}

/** Host-thread time spent in the isolate's own calls, summed over a window. */
interface HostCosts { spawnMs: number; initMs: number; terminateMs: number; spawns: number; slowest: number }

/** The isolate, with the host-thread time of `spawn` (a thread start unless pooled), the init post and `terminate` counted. */
function timedIsolate(inner: Isolate, costs: HostCosts): Isolate {
  const timed = <T>(add: (ms: number) => void, f: () => T): T => {
    const t = performance.now();
    try {
      return f();
    } finally {
      const ms = performance.now() - t;
      add(ms);
      costs.slowest = Math.max(costs.slowest, ms);
    }
  };
  return {
    spawn(options): IsolateWorker {
      costs.spawns++;
      const worker = timed((ms) => (costs.spawnMs += ms), () => inner.spawn(options));
      return {
        ...worker,
        post: (message) => (message.type === 'init' ? timed((ms) => (costs.initMs += ms), () => worker.post(message)) : worker.post(message)),
        terminate: () => timed((ms) => (costs.terminateMs += ms), () => worker.terminate()),
      };
    },
  };
}

/** Everything measured over a set of windows of one kind. */
interface Window { latencies: number[]; windowP99s: number[]; ms: number; cpuMs: number; gcMs: number; gcMax: number; delayP99: number; delayMax: number; stops: number; restarts: number; costs: HostCosts }

const emptyCosts = (): HostCosts => ({ spawnMs: 0, initMs: 0, terminateMs: 0, spawns: 0, slowest: 0 });
const emptyWindow = (): Window => ({ latencies: [], windowP99s: [], ms: 0, cpuMs: 0, gcMs: 0, gcMax: 0, delayP99: 0, delayMax: 0, stops: 0, restarts: 0, costs: emptyCosts() });

/** Three failing neighbours on one isolate, each calling its failing export whenever it is running. */
interface Neighbours { name: string; costs: HostCosts; workloads: { call: [string, ...unknown[]]; workload: IsolatedWorkload; stopMs: number[] }[] }

async function neighbours(name: string, isolate: Isolate, start: Start, faults: Component): Promise<Neighbours> {
  const costs = emptyCosts();
  const options = { isolate: timedIsolate(isolate, costs), limits: { callTimeoutMs: 200, memoryBytes: 16 * MiB }, backoff: { initialMs: 20, maxMs: 20 } };
  const calls: [string, ...unknown[]][] = [['spin'], ['boom'], ['hog', 1_000_000]];
  const workloads = await Promise.all(calls.map(async (call) => ({ call, workload: await start(faults, options), stopMs: [] as number[] })));
  return { name, costs, workloads };
}

/** Runs the neighbours' failing calls until `until()`, then waits until each runs again, idle. */
async function fail(n: Neighbours, until: () => boolean): Promise<number> {
  let stops = 0;
  await Promise.all(n.workloads.map(async ({ call, workload, stopMs }) => {
    while (!until()) {
      if (workload.state !== 'running') {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      const t = performance.now();
      await workload.call(call[0], ...call.slice(1)).then(() => undefined, () => void stops++);
      stopMs.push(performance.now() - t);
    }
    while (workload.state !== 'running') await new Promise((r) => setTimeout(r, 2));
  }));
  return stops;
}

/** The healthy workload's latency alone, and while each set of neighbours fails, in alternating windows. */
export async function duringFaults(start: Start, faults: Component, healthy: IsolatedWorkload): Promise<string[]> {
  const lowered = createThreadIsolate();
  const plain = createThreadIsolate({ backgroundNice: 0 });
  const sets = [await neighbours('background', lowered, start, faults), await neighbours('not lowered', plain, start, faults)];
  const gcs: { at: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => void gcs.push(...list.getEntries().map((e) => ({ at: e.startTime, ms: e.duration }))));
  observer.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const quiet = emptyWindow();
  const failing = new Map(sets.map((s) => [s.name, emptyWindow()]));

  /** Calls the healthy workload until the load is over, into `into`, with the host thread's figures. */
  async function window(into: Window, load: (until: () => boolean) => Promise<number>, ms: number, costs?: HostCosts): Promise<void> {
    const before = costs && { ...costs };
    const restarts = sets.flatMap((s) => s.workloads).reduce((sum, w) => sum + w.workload.restarts, 0);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    delay.reset();
    delay.enable();
    let over = false;
    const end = t0 + ms;
    const loading = load(() => performance.now() > end).finally(() => (over = true));
    const here: number[] = [];
    for (let i = 0; !over; i++) {
      const t = performance.now();
      await healthy.call(i % 2 ? 'ok' : 'ask', i);
      if (t < end) here.push((performance.now() - t) * 1000);
    }
    into.latencies.push(...here);
    into.windowP99s.push(pct(here, 0.99));
    into.stops += await loading;
    delay.disable();
    const spent = process.cpuUsage(cpu0);
    into.ms += performance.now() - t0;
    into.cpuMs += (spent.user + spent.system) / 1000;
    const windowGcs = gcs.filter((g) => g.at >= t0);
    into.gcMs += windowGcs.reduce((s, g) => s + g.ms, 0);
    into.gcMax = Math.max(into.gcMax, ...windowGcs.map((g) => g.ms));
    into.delayP99 = Math.max(into.delayP99, delay.percentile(99) / 1e6);
    into.delayMax = Math.max(into.delayMax, delay.max / 1e6);
    into.restarts += sets.flatMap((s) => s.workloads).reduce((sum, w) => sum + w.workload.restarts, 0) - restarts;
    if (costs && before) {
      into.costs.spawnMs += costs.spawnMs - before.spawnMs;
      into.costs.initMs += costs.initMs - before.initMs;
      into.costs.terminateMs += costs.terminateMs - before.terminateMs;
      into.costs.spawns += costs.spawns - before.spawns;
      into.costs.slowest = Math.max(into.costs.slowest, costs.slowest);
    }
  }

  // The neighbours' workers and the pool's refill finish starting before anything is measured.
  await new Promise((r) => setTimeout(r, 1000));
  const idle = async (until: () => boolean) => {
    while (!until()) await new Promise((r) => setTimeout(r, 5));
    return 0;
  };
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    for (const set of sets) {
      await window(quiet, idle, QUIET_MS);
      await window(failing.get(set.name)!, (until) => fail(set, until), FAILING_MS, set.costs);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
  }
  observer.disconnect();
  await Promise.all(sets.flatMap((s) => s.workloads.map((w) => w.workload.close())));
  await Promise.all([lowered.close(), plain.close()]);
  const stopped = sets[0].workloads.map((w) => row(`${w.call[0]}: stopped after (median, background)`, median(w.stopMs), 'ms', w.call[0] === 'spin' ? { label: 'limit', value: 200 } : undefined));
  return [...report(quiet, failing), ...stopped];
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};

function report(quiet: Window, failing: Map<string, Window>): string[] {
  const alone = { p50: pct(quiet.latencies, 0.5), p99: pct(quiet.latencies, 0.99) };
  const lines = [
    `healthy workload beside 3 failing ones (loop past 200 ms, trap, memory cap; 20 ms backoff asked), ${CYCLES}× ${QUIET_MS} ms alone / ${FAILING_MS} ms failing, alternating`,
    row('healthy call p50, alone (ok/ask alternating)', alone.p50, 'µs'),
    row('healthy call p99, alone', alone.p99, 'µs'),
  ];
  for (const [name, w] of failing) {
    lines.push(
      row(`healthy call p50, while 3 others fail (${name})`, pct(w.latencies, 0.5), 'µs', { label: 'alone', value: alone.p50 }),
      row(`healthy call p99, while 3 others fail (${name})`, pct(w.latencies, 0.99), 'µs', { label: 'alone', value: alone.p99 }),
    );
  }
  lines.push('  where the host thread\'s time went (alone | failing, by set)');
  const all = [['alone', quiet] as const, ...[...failing].map(([n, w]) => [n, w] as const)];
  const per = (f: (w: Window) => string) => all.map(([n, w]) => `${n} ${f(w)}`).join(' | ');
  lines.push(
    `    p99 of each window (µs)  ${per((w) => w.windowP99s.map((v) => v.toFixed(0)).join(' '))}`,
    `    calls answered           ${per((w) => `${w.latencies.length}`)}`,
    `    failures / restarts      ${per((w) => `${w.stops} / ${w.restarts} (${((w.restarts / w.ms) * 1000).toFixed(1)}/s)`)}`,
    `    process CPU              ${per((w) => `${((w.cpuMs / w.ms) * 100).toFixed(0)}%`)}`,
    `    event-loop delay p99/max ${per((w) => `${w.delayP99.toFixed(1)}/${w.delayMax.toFixed(1)} ms`)}`,
    `    GC on the host thread    ${per((w) => `${((w.gcMs / w.ms) * 100).toFixed(1)}% (max ${w.gcMax.toFixed(1)} ms)`)}`,
    `    spawn/init/terminate     ${per((w) => `${w.costs.spawnMs.toFixed(1)}/${w.costs.initMs.toFixed(1)}/${w.costs.terminateMs.toFixed(1)} ms for ${w.costs.spawns} starts (max ${w.costs.slowest.toFixed(1)})`)}`,
  );
  return lines;
}
