// The worker pool of the thread isolate and compiled modules shared across workers: a pooled
// worker runs a workload like a fresh one, the pool is refilled after each hand-out, and two
// workloads that share one compiled module keep their own memory.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createThreadIsolate, type ThreadIsolate } from '../../host-node/thread-isolate.js';
import { loadComponent, type Component } from '../../src/component/component.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import type { TranspiledArtifact } from '../../src/ports/artifact-cache.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolatedWorkloadOptions } from '../../src/runtime/isolated-workload.js';
import { createModuleCache } from '../../src/runtime/module-cache.js';
import { buildWatComponent } from '../support/wat-components.js';

const MiB = 1048576;
const open: IsolatedWorkload[] = [];
const isolates: ThreadIsolate[] = [];
let faults: { component: Component; artifact: TranspiledArtifact };

beforeAll(async () => {
  const bytes = await buildWatComponent('faults');
  const component = await loadComponent(bytes);
  faults = { component, artifact: await transpileWithJco(bytes, component.digest) };
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  await Promise.all(isolates.splice(0).map((i) => i.close()));
});

function isolateWith(pool: number, refillDelayMs = 0): ThreadIsolate {
  const isolate = createThreadIsolate({ pool, refillDelayMs });
  isolates.push(isolate);
  return isolate;
}

async function start(isolate: ThreadIsolate, options: Partial<IsolatedWorkloadOptions> = {}): Promise<IsolatedWorkload> {
  const imports = { 'wasmhost:faults/host': { double: (x: number) => 2 * x, note: () => {} } };
  const workload = await createIsolatedWorkload(faults.component, {
    name: 'pooled', isolate, artifact: faults.artifact, imports, limits: { callTimeoutMs: 2000, memoryBytes: 4 * MiB }, backoff: { initialMs: 10 }, ...options,
  });
  open.push(workload);
  return workload;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function untilRunning(workload: IsolatedWorkload): Promise<void> {
  for (let waited = 0; workload.state !== 'running'; waited += 5) {
    if (waited > 10_000) throw new Error('the workload did not restart');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the worker pool', () => {
  it('fills on first use, hands out working workers and replaces each one taken', async () => {
    const isolate = isolateWith(2);
    expect(isolate.idle).toBe(0); // nothing is started before a workload needs it
    const first = await start(isolate);
    await tick();
    expect(isolate.idle).toBe(2);
    const more = await Promise.all([start(isolate), start(isolate), start(isolate)]);
    for (const [i, w] of [first, ...more].entries()) expect(await w.call('ask', i)).toBe(2 * i + 1);
    await tick();
    expect(isolate.idle).toBe(2);
    const taken = isolate.spawn({ name: 'direct' });
    expect(isolate.idle).toBe(1); // handed out from the pool…
    await tick();
    expect(isolate.idle).toBe(2); // …and replaced
    await taken.terminate();
  });

  it('starts the replacement of a worker handed out only after its delay, so it does not compete with that start', async () => {
    const isolate = isolateWith(1, 300);
    await start(isolate);
    await tick();
    expect(isolate.idle).toBe(1); // the first fill is not delayed
    const taken = isolate.spawn({ name: 'direct' });
    await new Promise((r) => setTimeout(r, 100));
    expect(isolate.idle).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(isolate.idle).toBe(1);
    await taken.terminate();
  });

  it('a workload restarted after a trap gets a worker that answers', async () => {
    const isolate = isolateWith(1);
    const workload = await start(isolate);
    await expect(workload.call('boom')).rejects.toMatchObject({ code: 'trap' });
    await untilRunning(workload);
    expect(await workload.call('ok', 1)).toBe(2);
    expect(workload.restarts).toBe(1);
  });

  it('a background spawn starts its own thread: it neither takes nor refills the pool', async () => {
    const isolate = isolateWith(1);
    await start(isolate);
    await tick();
    const background = isolate.spawn({ name: 'looping', priority: 'background' });
    expect(isolate.idle).toBe(1);
    await tick();
    expect(isolate.idle).toBe(1);
    await background.terminate();
  });

  it('a workload with its own heap cap gets a fresh worker; the idle ones stay for the default', async () => {
    const isolate = isolateWith(1);
    await start(isolate);
    await tick();
    const own = await start(isolate, { limits: { callTimeoutMs: 2000, memoryBytes: 4 * MiB, heapMb: 24 } });
    expect(await own.call('ok', 4)).toBe(5);
    expect(isolate.idle).toBe(1);
  });

  it('without a pool, nothing idles', async () => {
    const isolate = isolateWith(0);
    const workload = await start(isolate);
    await tick();
    expect(await workload.call('ok', 1)).toBe(2);
    expect(isolate.idle).toBe(0);
  });

  it('close stops the idle workers', async () => {
    const isolate = isolateWith(2);
    await start(isolate);
    await tick();
    await isolate.close();
    expect(isolate.idle).toBe(0);
  });
});

describe('compiled modules shared across workers', () => {
  it('one compile per component and memory cap; each worker has its own memory', async () => {
    const modules = createModuleCache();
    const isolate = isolateWith(1);
    const a = await start(isolate, { modules });
    const b = await start(isolate, { modules });
    expect(modules.size).toBe(1);
    const initial = (await b.call('hog', 0)) as number;
    // a grows its memory; b, instantiated from the same compiled module, does not see it.
    expect(await a.call('hog', 3)).toBe(initial + 3);
    expect(await b.call('hog', 0)).toBe(initial);
    expect(await a.call('hog', 0)).toBe(initial + 3);
    const capped = await start(isolate, { modules, limits: { callTimeoutMs: 2000, memoryBytes: 8 * MiB } });
    expect(modules.size).toBe(2);
    expect(await capped.call('ok', 1)).toBe(2);
    await a.close();
    expect(modules.size).toBe(2); // b still holds it
    await b.close();
    await capped.close();
    expect(modules.size).toBe(0);
  });

  it('a workload restarted after a trap is instantiated again from the shared module, with fresh memory', async () => {
    const modules = createModuleCache();
    const workload = await start(isolateWith(1), { modules });
    const initial = (await workload.call('hog', 0)) as number;
    expect(await workload.call('hog', 2)).toBe(initial + 2);
    await expect(workload.call('boom')).rejects.toMatchObject({ code: 'trap' });
    await untilRunning(workload);
    expect(await workload.call('hog', 0)).toBe(initial);
    expect(modules.size).toBe(1);
  });

  it("the first worker's glue code cache goes to the next workers; a cache V8 rejects is only a slower start", async () => {
    const modules = createModuleCache();
    const isolate = isolateWith(1);
    const first = await start(isolate, { modules });
    const held = await modules.acquire(faults.artifact, 4 * MiB);
    expect(held.glue.cache).toBeInstanceOf(Uint8Array);
    expect(held.glue.cache!.byteLength).toBeGreaterThan(1000);
    // The first call's result brings a fuller cache: the glue its call path compiled too.
    const atReady = held.glue.cache!;
    expect(await first.call('ask', 2)).toBe(5);
    expect(held.glue.cache!.byteLength).toBeGreaterThan(atReady.byteLength);
    const second = await start(isolate, { modules });
    expect(await second.call('ask', 3)).toBe(7);
    held.glue.cache = new Uint8Array(held.glue.cache!.byteLength).fill(7); // not V8's: rejected, compiled from source
    const third = await start(isolate, { modules });
    expect(await third.call('ask', 4)).toBe(9);
    expect(held.glue.cache[0]).not.toBe(7); // the third worker made a good one again
    expect(await first.call('ok', 1)).toBe(2);
    held.release();
  });

  it('a code cache goes only to workloads of the very same glue source, not of another transpile of the same digest', async () => {
    const modules = createModuleCache();
    const first = await start(isolateWith(1), { modules });
    const held = await modules.acquire(faults.artifact, 4 * MiB);
    expect(held.glue.cache).toBeInstanceOf(Uint8Array);
    // Same digest and length, other code (V8 would accept the cache and run the first glue's code).
    const { glue } = faults.artifact;
    const other = { ...faults.artifact, glue: `${glue.slice(0, -1)}${glue.endsWith(' ') ? '\n' : ' '}` };
    expect(other.glue).not.toBe(faults.artifact.glue);
    expect(other.glue.length).toBe(faults.artifact.glue.length);
    const foreign = await modules.acquire(other, 4 * MiB);
    expect(foreign.glue.cache).toBeUndefined();
    expect(foreign.glue).not.toBe(held.glue);
    expect(await first.call('ok', 1)).toBe(2);
    foreign.release();
    held.release();
  });
});
