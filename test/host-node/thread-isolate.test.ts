// Workloads in worker_threads: time and memory limits, trap recovery, imports served by
// the host thread. The worker entry runs from dist/ (workers do not run TypeScript).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createThreadIsolate } from '../../host-node/thread-isolate.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { loadComponent, type Component } from '../../src/component/component.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import { buildImports } from '../../src/capabilities/build-imports.js';
import { createLoggingProvider } from '../../src/capabilities/logging-provider.js';
import type { CapabilityProvider, LogEntry } from '../../src/capabilities/provider.js';
import type { ImportObject } from '../../src/component/engine.js';
import { WasmhostError } from '../../src/errors.js';
import type { TranspiledArtifact } from '../../src/ports/artifact-cache.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolatedWorkloadOptions, type IsolationEvent } from '../../src/runtime/isolated-workload.js';
import { buildWatComponent, watComponentPath } from '../support/wat-components.js';

const ROOT = new URL('../../', import.meta.url);
const MiB = 1048576;
// Restarts at the host's priority: these tests are about limits and restarts with 200 ms call
// limits, which a lowered thread can miss on a busy machine (crash-loop-priority.test.ts covers that).
const isolate = createThreadIsolate({ backgroundNice: 0 });
const open: IsolatedWorkload[] = [];
/** Export calls by message (the default) or through the shared-memory call slot: every test runs both ways. */
let callSlot = false;
let faults: { component: Component; artifact: TranspiledArtifact };

/** A component and its transpiled artifact. */
async function prepare(bytes: Uint8Array) {
  const component = await loadComponent(bytes);
  return { component, artifact: await transpileWithJco(bytes, component.digest) };
}

/** Fails early when dist/ does not hold a worker built from the current sources. */
function checkBuilt(): void {
  const built = statSync(new URL('dist/host-node/workload-worker.js', ROOT), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = ['host-node/workload-worker.ts', 'src/runtime/worker-runtime.ts', 'src/runtime/sync-call-channel.ts', 'src/runtime/note-ring.ts', 'src/runtime/channel-values.ts', 'src/runtime/isolate-protocol.ts', 'src/runtime/workload.ts'];
  if (sources.some((s) => statSync(new URL(s, ROOT)).mtimeMs > built)) throw new Error('dist/ is missing or older than the worker sources: run `npm run build` (npm test does)');
}

beforeAll(async () => {
  checkBuilt();
  faults = await prepare(await buildWatComponent('faults'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

type Host = { double?: (x: number) => unknown; note?: (x: number) => unknown };

/** The faults component in a worker: 200 ms per call, 4 MiB per memory, quick restarts. */
async function startFaults(name: string, host: Host = {}, options: Partial<IsolatedWorkloadOptions> = {}) {
  const events: IsolationEvent[] = [];
  const imports = { 'wasmhost:faults/host': { double: host.double ?? ((x: number) => 2 * x), note: host.note ?? (() => {}) } };
  const workload = await start(faults, imports, { name, onEvent: (e) => events.push(e), ...options });
  return { workload, events };
}

async function start(prepared: { component: Component; artifact: TranspiledArtifact }, imports: ImportObject, options: Partial<IsolatedWorkloadOptions> = {}) {
  const workload = await createIsolatedWorkload(prepared.component, {
    name: 'test', isolate, artifact: prepared.artifact, imports, limits: { callTimeoutMs: 200, memoryBytes: 4 * MiB }, backoff: { initialMs: 20 }, callSlot, ...options,
  });
  open.push(workload);
  return workload;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('the call succeeded'), (e: unknown) => e as WasmhostError);

async function untilRunning(workload: IsolatedWorkload): Promise<void> {
  for (let waited = 0; workload.state !== 'running'; waited += 5) {
    if (waited > 10_000) throw new Error(`${workload.name} did not restart`);
    await sleep(5);
  }
}

describe.each([false, true])('isolated workloads (worker_threads, call slot: %s)', (slot) => {
  beforeAll(() => {
    callSlot = slot;
  });

  it('sends export calls by message, or through the call slot when asked (a call failure still comes by message)', async () => {
    const posted: string[] = [];
    const spying = {
      spawn: (o: Parameters<typeof isolate.spawn>[0]) => {
        const worker = isolate.spawn(o);
        return { ...worker, post: (m: Parameters<typeof worker.post>[0]) => (posted.push(m.type), worker.post(m)) };
      },
    };
    const notes: number[] = [];
    const { workload } = await startFaults('slot', { note: (x) => void notes.push(x) }, { isolate: spying });
    expect(await workload.call('ok', 1)).toBe(2);
    expect(await workload.call('tell', 3)).toBe(3);
    expect(notes).toEqual([3]);
    expect(await workload.call('ask', 4)).toBe(9);
    expect((await failure(workload.call('boom'))).code).toBe('trap');
    await untilRunning(workload);
    expect(await workload.call('ok', 5)).toBe(6);
    expect(posted.filter((t) => t === 'call')).toHaveLength(slot ? 0 : 5);
  });

  it('answers calls; blocking imports run an async provider on the host thread, notes are posted', async () => {
    const notes: number[] = [];
    const { workload } = await startFaults('basic', { double: async (x) => (await sleep(5), 2 * x), note: (x) => void notes.push(x) });
    expect(await workload.call('ok', 41)).toBe(42);
    expect(await workload.call('ask', 20)).toBe(41);
    expect(await workload.call('tell', 7)).toBe(7);
    expect(notes).toEqual([7]);
    expect((await failure(workload.call('nope'))).code).toBe('unknown-export');
    expect(await failure(workload.call('ok'))).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/takes 1 argument/) });
    expect(workload.state).toBe('running');
    expect(workload.restarts).toBe(0);
  });

  it('carries strings and enums both ways, and runs fire-and-forget imports in order before a blocking one', async () => {
    const seen: string[] = [];
    const thing: CapabilityProvider = {
      name: 'thing',
      offers: [{ name: 'example:missing/thing', version: '2.0.0' }],
      create: () => ({ 'example:missing/thing': { frob: async (x: number) => (seen.push(`frob ${x}`), 3 * x), describe: (x: number) => `#${x} ✓` } }),
    };
    const log = (e: LogEntry) => void seen.push(`${e.level} ${e.context}: ${e.message}`);
    const prepared = await prepare(await readFile(await watComponentPath('imports-logging')));
    const imports = buildImports(prepared.component.world, [thing, createLoggingProvider()], { workload: 'logging', config: {}, grants: {}, log });
    const workload = await start(prepared, imports, { name: 'logging' });
    expect(await workload.call('run', 200)).toBe(601);
    expect(await workload.call('run-describe', 5)).toBe('#5 ✓');
    expect(seen).toEqual(['info imports-logging: run called', 'warn imports-logging: x is large', 'frob 200', 'debug imports-logging: #5 ✓']);
  });

  it('stops an endless loop at its time limit, refuses calls while it waits to restart, then answers again', async () => {
    const { workload, events } = await startFaults('spinner');
    const started = performance.now();
    const error = await failure(workload.call('spin'));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(WasmhostError);
    expect(error).toMatchObject({ code: 'trap', message: 'spin did not return within 200 ms; spinner was stopped and restarts', data: { reason: 'timeout' } });
    expect(workload.state).toBe('waiting');
    expect(await failure(workload.call('ok', 1))).toMatchObject({ data: { reason: 'restarting' }, message: expect.stringMatching(/^spinner is restarting after: spin did not return/) });
    await untilRunning(workload);
    expect(await workload.call('ok', 1)).toBe(2);
    expect(workload.restarts).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['started', 'stopped', 'started']);
    expect(events[1]).toMatchObject({ reason: 'timeout', restartInMs: 20 });
  });

  it('backs off exponentially when an instance keeps failing', async () => {
    const { workload, events } = await startFaults('crasher');
    for (let i = 0; i < 3; i++) {
      await untilRunning(workload);
      expect(await failure(workload.call('boom'))).toMatchObject({ code: 'trap', message: expect.stringMatching(/^boom trapped: .*unreachable/) });
    }
    expect(events.filter((e) => e.type === 'stopped').map((e) => e.type === 'stopped' && e.restartInMs)).toEqual([20, 40, 80]);
  });

  it('caps linear memory: memory.grow past the limit fails and the trap is reported as out of memory', async () => {
    const { workload, events } = await startFaults('hog');
    const error = await failure(workload.call('hog', 100_000));
    expect(error.message).toMatch(/^hog trapped: .*unreachable.* \(out of memory: its linear memory is at 4 MiB of its 4 MiB limit\)$/);
    expect(error.data).toMatchObject({ reason: 'out-of-memory', memoryBytes: 4 * MiB });
    expect(events[1]).toMatchObject({ type: 'stopped', reason: 'out-of-memory' });
    await untilRunning(workload);
    expect(await workload.call('hog', 10)).toBe(11);
  });

  it("reports its memory: linear bytes from the worker (grown after memory.grow, fresh after a restart), its cap, its worker's heap", async () => {
    const page = 65536;
    const { workload } = await startFaults('grower');
    const first = workload.memory();
    expect(first).toMatchObject({ linearBytes: page, limitBytes: 4 * MiB });
    // The worker's own isolate (v8.getHeapStatistics there), not the process: some MiB at most.
    expect(first.heapBytes).toBeGreaterThan(100_000);
    expect(first.heapBytes).toBeLessThan(64 * MiB);
    expect(await workload.call('hog', 5)).toBe(6);
    expect(workload.memory()).toMatchObject({ linearBytes: 6 * page, limitBytes: 4 * MiB });
    expect(await workload.call('ok', 1)).toBe(2);
    expect(workload.memory().linearBytes).toBe(6 * page);
    await failure(workload.call('boom'));
    expect(workload.memory().linearBytes).toBe(0);
    await untilRunning(workload);
    expect(workload.memory().linearBytes).toBe(page);
  });

  it('fails a call whose blocking import gets no answer: in the worker, or at the call limit naming the import', async () => {
    const never = { double: () => new Promise(() => {}) };
    const short = await startFaults('import-timeout', never, { limits: { callTimeoutMs: 5000, importTimeoutMs: 100, memoryBytes: 4 * MiB } });
    expect(await failure(short.workload.call('ask', 1))).toMatchObject({
      code: 'trap', message: 'ask trapped: import wasmhost:faults/host#double got no answer from the host within 100 ms',
    });
    const long = await startFaults('call-timeout', never, { limits: { callTimeoutMs: 150, importTimeoutMs: 5000, memoryBytes: 4 * MiB } });
    expect((await failure(long.workload.call('ask', 1))).message).toBe('ask did not return within 150 ms; it was waiting for import wasmhost:faults/host#double; call-timeout was stopped and restarts');
  });

  it('keeps the host responsive while a guest calls imports back to back, and stops it at its time limit', async () => {
    const { workload } = await startFaults('chatty');
    expect(await workload.call('chatter', 100)).toBe(9900);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const error = await failure(workload.call('chatter', 0xffffffff));
      expect(error.data).toMatchObject({ reason: 'timeout' });
      expect(ticks).toBeGreaterThan(5); // the host's timers ran during the 200 ms
    } finally {
      clearInterval(ticker);
    }
  });

  it('treats a failing fire-and-forget import as a trap of the call that made it', async () => {
    const { workload } = await startFaults('bad-note', { note: () => { throw new Error('sink is full'); } });
    expect((await failure(workload.call('tell', 1))).message).toBe('import wasmhost:faults/host#note of bad-note failed: sink is full');
  });

  it('rejects a first start that fails and does not restart it', async () => {
    const events: IsolationEvent[] = [];
    const error = await failure(start(faults, {}, { name: 'unlinked', onEvent: (e) => events.push(e) }));
    expect(error.code).toBe('trap');
    expect(events).toEqual([expect.objectContaining({ type: 'stopped', reason: 'trap' })]);
    expect(events[0]).not.toHaveProperty('restartInMs');
  });

  it("runs WASI inside the worker with the grants' directories and environment", async () => {
    const data = await mkdtemp(join(tmpdir(), 'wasmhost-isolate-'));
    try {
      const hello = await prepare(await readFile(new URL('examples/hello-command-c/hello.wasm', ROOT)));
      const grants = { filesystem: { '/data': data }, env: { GREETING: 'Moin' } };
      const imports = buildImports(hello.component.world, [createWasiProvider()], { workload: 'hello', config: {}, grants, log: () => {} });
      const workload = await start(hello, imports, { name: 'hello', grants, wasiArgs: ['hello', '--write', 'out.txt', 'from a worker', '--exit', '3'], limits: { callTimeoutMs: 5000, memoryBytes: 16 * MiB } });
      expect(await failure(workload.call('run'))).toMatchObject({ code: 'exit', data: { exitCode: 3 } });
      expect(await readFile(join(data, 'out.txt'), 'utf8')).toBe('from a worker\n');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('stops a worker that passes its JS heap limit and says so', async () => {
    const hungry = new URL(`data:text/javascript,${encodeURIComponent('const keep = []; for (;;) keep.push(new Array(1e5).fill(Math.random()));')}`);
    const worker = createThreadIsolate({ workerUrl: hungry }).spawn({ name: 'hungry', heapMb: 16 });
    const error = await new Promise<WasmhostError>((resolve) => worker.onExit(resolve));
    expect(error).toMatchObject({ code: 'trap', message: 'hungry ran out of JS heap (limit 16 MiB); its worker was stopped', data: { reason: 'out-of-memory' } });
  });

  it('calls composed and built-in-using components through the glue, as jco answers', async () => {
    // Called straight on their core exports, both trap ("missing current caller task metadata").
    const composed = await start(await prepare(await readFile(await watComponentPath('composed'))), {});
    expect(await composed.call('octo', 3)).toBe(24);
    expect(await composed.call('example:nested/api@0.1.0#quad', 5)).toBe(20);
    const builtins = await start(await prepare(await readFile(await watComponentPath('builtins'))), {});
    expect(await builtins.call('tripled', 5)).toBe(15);
    expect(await builtins.call('through-token', 41)).toBe(42);
  });

  it('close() stops the worker and refuses later calls', async () => {
    const { workload, events } = await startFaults('closing');
    await workload.close();
    expect(workload.state).toBe('closed');
    expect((await failure(workload.call('ok', 1))).message).toBe('closing was closed');
    expect(events.at(-1)).toMatchObject({ type: 'stopped', reason: 'closed' });
    expect(events.at(-1)).not.toHaveProperty('restartInMs');
  });

  it('keeps a healthy workload answering while others loop, trap and exhaust memory', async () => {
    const { workload: healthy } = await startFaults('healthy', { double: async (x) => 2 * x });
    const faulty = [
      { ...(await startFaults('spin')), call: ['spin'], reason: 'timeout' },
      { ...(await startFaults('boom')), call: ['boom'], reason: 'trap' },
      { ...(await startFaults('hog')), call: ['hog', 100_000], reason: 'out-of-memory' },
    ] as const;
    const stopMs: Record<string, number[]> = {};
    let faultsDone = false;
    const faultRuns = Promise.all(faulty.map(async ({ workload, call: [fn, ...args] }) => {
      for (let round = 0; round < 3; round++) {
        await untilRunning(workload);
        const t = performance.now();
        const error = await failure(workload.call(fn, ...args));
        (stopMs[fn] ??= []).push(performance.now() - t);
        expect(error).toBeInstanceOf(WasmhostError);
      }
    })).finally(() => (faultsDone = true));

    const latencyUs: number[] = [];
    const wrong: unknown[] = [];
    for (let x = 0; !faultsDone; x++) {
      const t = performance.now();
      const [fn, want] = x % 2 ? ['ok', x + 1] : ['ask', 2 * x + 1];
      const got = await healthy.call(fn, x);
      latencyUs.push((performance.now() - t) * 1000);
      if (got !== want) wrong.push({ fn, x, got });
    }
    await faultRuns;

    expect(wrong).toEqual([]);
    expect(healthy.restarts).toBe(0);
    for (const { workload, events, reason } of faulty) {
      const stops = events.filter((e) => e.type === 'stopped');
      expect(stops.map((e) => e.type === 'stopped' && e.reason)).toEqual([reason, reason, reason]);
      expect(workload.restarts).toBeGreaterThanOrEqual(2);
    }
    const sorted = [...latencyUs].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(0);
    const ms = (xs: number[]) => xs.map((v) => v.toFixed(1)).join(', ');
    console.log(
      `healthy workload during faults: ${sorted.length} calls (ok, and ask with a host import), p50 ${pct(0.5)} µs, p99 ${pct(0.99)} µs, max ${pct(1)} µs\n` +
        `faults stopped after (ms): spin [${ms(stopMs.spin)}] (limit 200), boom [${ms(stopMs.boom)}], hog [${ms(stopMs.hog)}]`,
    );
  });
});
