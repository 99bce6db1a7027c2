// A crash-looping isolated workload restarts in background workers: threads that lower their own
// priority (Linux nice, per thread) before loading anything, so its restarts and runs take only
// the CPU the host thread and healthy workloads leave. A first start, and a restart after a
// healthy period, run at normal priority. The nice values are read from /proc, as the kernel sees them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createThreadIsolate, type ThreadIsolate } from '../../host-node/thread-isolate.js';
import { loadComponent, type Component } from '../../src/component/component.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import type { TranspiledArtifact } from '../../src/ports/artifact-cache.js';
import type { Isolate, IsolateSpawnOptions } from '../../src/ports/isolate.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolatedWorkloadOptions } from '../../src/runtime/isolated-workload.js';
import { buildWatComponent } from '../support/wat-components.js';

const MiB = 1048576;
/** A nice value nothing else in this process uses, so its threads are ours. */
const NICE = 7;
const open: IsolatedWorkload[] = [];
let isolate: ThreadIsolate;
let faults: { component: Component; artifact: TranspiledArtifact };

beforeAll(async () => {
  const bytes = await buildWatComponent('faults');
  const component = await loadComponent(bytes);
  faults = { component, artifact: await transpileWithJco(bytes, component.digest) };
  isolate = createThreadIsolate({ backgroundNice: NICE });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});
afterAll(() => isolate.close());

/** The isolate, with the options of every spawn recorded. */
function recording(spawns: IsolateSpawnOptions[]): Isolate {
  return { spawn: (options) => (spawns.push(options), isolate.spawn(options)) };
}

async function start(name: string, options: Partial<IsolatedWorkloadOptions> = {}): Promise<IsolatedWorkload> {
  const imports = { 'wasmhost:faults/host': { double: (x: number) => 2 * x, note: () => {} } };
  const workload = await createIsolatedWorkload(faults.component, {
    name, isolate, artifact: faults.artifact, imports, limits: { callTimeoutMs: 2000, memoryBytes: 4 * MiB }, backoff: { initialMs: 1, maxMs: 1 }, ...options,
  });
  open.push(workload);
  return workload;
}

async function untilRunning(workload: IsolatedWorkload): Promise<void> {
  for (let waited = 0; workload.state !== 'running'; waited += 5) {
    if (waited > 30_000) throw new Error(`${workload.name} did not restart`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Traps `times` times, each time once the workload runs again. */
async function crash(workload: IsolatedWorkload, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await untilRunning(workload);
    await expect(workload.call('boom')).rejects.toMatchObject({ code: 'trap' });
  }
  await untilRunning(workload);
}

/** The nice value of each thread of this process, as the kernel reports it. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}
const lowered = () => threadNices().filter((n) => n === NICE).length;
/** Waits for `count` lowered threads: a terminated worker's thread leaves /proc a little after its `terminate` settles. */
const loweredThreads = (count: number) => vi.waitFor(() => expect(lowered()).toBe(count), { timeout: 10_000, interval: 10 });

describe('crash-looping workloads restart as background workers', () => {
  it('the first start is normal; every restart after a failure soon after a start is background', async () => {
    const spawns: IsolateSpawnOptions[] = [];
    const workload = await start('looping', { isolate: recording(spawns) });
    await crash(workload, 3);
    expect(workload.restarts).toBe(3);
    expect(spawns.map((s) => s.priority)).toEqual(['normal', 'background', 'background', 'background']);
    expect(await workload.call('ask', 4)).toBe(9);
  });

  it('a failure after a healthy period (the backoff reset) restarts at normal priority', async () => {
    const spawns: IsolateSpawnOptions[] = [];
    const workload = await start('steady', { isolate: recording(spawns), backoff: { initialMs: 1, maxMs: 1, resetAfterMs: 0 } });
    await crash(workload, 2);
    expect(spawns.map((s) => s.priority)).toEqual(['normal', 'normal', 'normal']);
  });

  it.runIf(process.platform === 'linux')('the background worker thread runs at the lowered nice value; healthy ones and the host thread do not', async () => {
    const host = threadNices()[0];
    const healthy = await start('healthy');
    const looping = await start('looping');
    await loweredThreads(0);
    await crash(looping, 1);
    await loweredThreads(1); // the restarted instance's thread
    expect(await looping.call('ok', 1)).toBe(2);
    expect(await healthy.call('ok', 2)).toBe(3);
    expect(threadNices()[0]).toBe(host); // /proc lists the main thread first
    await looping.close();
    await loweredThreads(0);
  });

  it('a background worker that passes its JS heap limit is stopped and reported like any other', async () => {
    const hungry = new URL(`data:text/javascript,${encodeURIComponent('const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random()));')}`);
    const own = createThreadIsolate({ workerUrl: hungry, backgroundNice: NICE, pool: 0 });
    const worker = own.spawn({ name: 'hungry', heapMb: 16, priority: 'background' });
    const error = await new Promise((resolve) => worker.onExit(resolve));
    expect(error).toMatchObject({ code: 'trap', message: 'hungry ran out of JS heap (limit 16 MiB); its worker was stopped', data: { reason: 'out-of-memory' } });
  });

  it('a healthy neighbour answers every call, in order, while three others crash-loop', async () => {
    const healthy = await start('healthy', { limits: { callTimeoutMs: 2000, memoryBytes: 4 * MiB } });
    const looping = await Promise.all(['a', 'b', 'c'].map((n) => start(`looping-${n}`)));
    let done = false;
    const crashing = Promise.all(looping.map((w) => crash(w, 5))).finally(() => (done = true));
    const answers: number[] = [];
    for (let x = 0; !done || answers.length < 100; x++) answers.push((await healthy.call(x % 2 ? 'ok' : 'ask', x)) as number);
    await crashing;
    expect(answers).toEqual(answers.map((_, x) => (x % 2 ? x + 1 : 2 * x + 1)));
    expect(looping.map((w) => w.restarts)).toEqual([5, 5, 5]);
    expect(healthy.restarts).toBe(0);
    if (process.platform === 'linux') await loweredThreads(3); // one background thread per looping workload, none for the healthy one
  });
});
