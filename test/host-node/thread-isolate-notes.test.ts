// Fire-and-forget imports (wasi:logging's `log`) of a workload in a worker go through the
// note ring: they must reach the host exactly as jco's glue in-process delivers them — in
// order with the blocking imports, none lost when the ring fills, and none lost when the call
// traps or is stopped. The worker entry runs from dist/ (workers do not run TypeScript).
import { statSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createThreadIsolate } from '../../host-node/thread-isolate.js';
import { createHost } from '../../src/create-host.js';
import { createMemoryArtifactCache } from '../../src/memory/memory-artifact-cache.js';
import { buildImports } from '../../src/capabilities/build-imports.js';
import { createLoggingProvider } from '../../src/capabilities/logging-provider.js';
import type { CapabilityProvider, LogEntry } from '../../src/capabilities/provider.js';
import { loadComponent, type Component } from '../../src/component/component.js';
import type { ImportObject } from '../../src/component/engine.js';
import { transpileWithJco } from '../../src/component/transpile.js';
import { WasmhostError } from '../../src/errors.js';
import type { TranspiledArtifact } from '../../src/ports/artifact-cache.js';
import { createIsolatedWorkload, type IsolatedWorkload, type IsolatedWorkloadOptions } from '../../src/runtime/isolated-workload.js';
import { buildWatComponent } from '../support/wat-components.js';

const ROOT = new URL('../../', import.meta.url);
const MiB = 1048576;
const isolate = createThreadIsolate();
const open: IsolatedWorkload[] = [];
let bytes: Uint8Array;
let prepared: { component: Component; artifact: TranspiledArtifact };

beforeAll(async () => {
  const built = statSync(new URL('dist/src/runtime/note-ring.js', ROOT), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = ['src/runtime/note-ring.ts', 'src/runtime/sync-call-channel.ts', 'src/runtime/worker-runtime.ts', 'src/runtime/isolate-protocol.ts'];
  if (sources.some((s) => statSync(new URL(s, ROOT)).mtimeMs > built)) throw new Error('dist/ is missing or older than the channel sources: run `npm run build` (npm test does)');
  bytes = await buildWatComponent('log-ring');
  const component = await loadComponent(bytes);
  prepared = { component, artifact: await transpileWithJco(bytes, component.digest) };
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

/** What the host saw, in order: `log <message>` for each line, `double <x>` for each blocking import. */
function recorder() {
  const events: string[] = [];
  const host: CapabilityProvider = {
    name: 'log-ring-host',
    offers: [{ name: 'wasmhost:log-ring/host' }],
    create: () => ({ 'wasmhost:log-ring/host': { double: (x: number) => (events.push(`double ${x}`), 2 * x) } }),
  };
  const log = (e: LogEntry) => void events.push(`${e.level} ${e.context}: ${e.message}`);
  return { events, providers: [createLoggingProvider(), host], log };
}

/** The fixture in-process, through jco's glue: the oracle. */
async function inProcess() {
  const r = recorder();
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: r.providers, log: r.log });
  const workload = await host.instantiate(await host.load(bytes), { fastCalls: false });
  return { ...r, workload };
}

/** The fixture in a worker, its imports built for the same recorder. */
async function isolated(options: Partial<IsolatedWorkloadOptions> = {}, r = recorder()) {
  const imports: ImportObject = buildImports(prepared.component.world, r.providers, { workload: 'log-ring', config: {}, grants: {}, log: r.log });
  const workload = await createIsolatedWorkload(prepared.component, {
    name: 'log-ring', isolate, artifact: prepared.artifact, imports, limits: { callTimeoutMs: 5000, memoryBytes: 4 * MiB }, backoff: { initialMs: 20 }, ...options,
  });
  open.push(workload);
  return { ...r, workload };
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `info log-ring: ${from + i}`);
const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('the call succeeded'), (e: unknown) => e as WasmhostError);

describe.each([false, true])('notes of an isolated workload (call slot: %s)', (callSlot) => {
  it('delivers log lines in order, interleaved with blocking imports, as jco does in-process', async () => {
    const oracle = await inProcess();
    const worker = await isolated({ callSlot });
    expect(await worker.workload.call('log-and-ask', 30)).toBe(await oracle.workload.call('log-and-ask', 30));
    expect(worker.events).toEqual(oracle.events);
    expect(worker.events.slice(0, 4)).toEqual(['info log-ring: 0', 'double 0', 'info log-ring: 1', 'double 1']);
    // Notes at the end of a call arrive before its result.
    worker.events.length = 0;
    expect(await worker.workload.call('log-many', 3)).toBe(3);
    expect(worker.events).toEqual(lines(3));
  });

  it('delivers the lines logged just before a trap, before the call fails', async () => {
    const oracle = await inProcess();
    await failure(Promise.resolve().then(() => oracle.workload.call('log-then-trap', 5)));
    const worker = await isolated({ callSlot });
    const error = await failure(worker.workload.call('log-then-trap', 5).finally(() => worker.events.push('call failed')));
    expect(error).toMatchObject({ code: 'trap', message: expect.stringMatching(/^log-then-trap trapped: .*unreachable/) });
    expect(worker.events).toEqual([...oracle.events, 'call failed']);
    expect(worker.events).toEqual([...lines(5), 'call failed']);
  });

  it('delivers the lines of a call stopped at its time limit, and those of a long call while it runs', async () => {
    const stopped = await isolated({ callSlot, limits: { callTimeoutMs: 200, memoryBytes: 4 * MiB } });
    const error = await failure(stopped.workload.call('log-then-spin', 4).finally(() => stopped.events.push('call failed')));
    expect(error.data).toMatchObject({ reason: 'timeout' });
    expect(stopped.events).toEqual([...lines(4), 'call failed']);

    const long = await isolated({ callSlot, limits: { callTimeoutMs: 60_000, memoryBytes: 4 * MiB } });
    let settled = false;
    const call = long.workload.call('log-then-spin', 3).finally(() => (settled = true));
    for (let waited = 0; long.events.length < 3 && waited < 20_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(long.events).toEqual(lines(3));
    expect(settled).toBe(false); // they came on the drain timer, not at the call's end
    const closed = failure(call);
    await long.workload.close();
    expect((await closed).data).toMatchObject({ reason: 'closed' });
  });

  it('loses nothing when one call logs far more than the ring holds', async () => {
    const small = await isolated({ callSlot, noteRingBytes: 1024 });
    expect(await small.workload.call('log-many', 5000)).toBe(5000);
    expect(small.events).toEqual(lines(5000));
    small.events.length = 0;
    expect(await small.workload.call('log-and-ask', 300)).toBe(300 * 299);
    expect(small.events).toEqual(Array.from({ length: 300 }, (_, i) => [`info log-ring: ${i}`, `double ${i}`]).flat());

    const full = await isolated({ callSlot }); // the default 64 KiB ring: about 2,000 lines
    expect(await full.workload.call('log-many', 20_000)).toBe(20_000);
    expect(full.events).toEqual(lines(20_000));
  });
});

describe('a workload whose logging is not provided or granted', () => {
  it('is refused before it starts, as before, when the host does not offer logging', () => {
    const r = recorder();
    const error = (() => {
      try {
        buildImports(prepared.component.world, [r.providers[1]!], { workload: 'log-ring', config: {}, grants: {}, log: r.log });
      } catch (e) {
        return e as WasmhostError;
      }
      return expect.fail('buildImports accepted a component whose logging import is not provided');
    })();
    expect(error).toMatchObject({ code: 'missing-import', message: expect.stringContaining('wasi:logging/logging@0.1.0-draft') });
  });

  it('fails its first start naming the import when its import object lacks logging, and nothing runs', async () => {
    const r = recorder();
    const imports = buildImports(prepared.component.world, r.providers, { workload: 'log-ring', config: {}, grants: {}, log: r.log });
    delete imports['wasi:logging/logging'];
    const error = await failure(createIsolatedWorkload(prepared.component, {
      name: 'no-logging', isolate, artifact: prepared.artifact, imports, limits: { callTimeoutMs: 5000, memoryBytes: 4 * MiB },
    }));
    expect(error).toMatchObject({ code: 'trap', message: expect.stringContaining('wasi:logging/logging') });
    expect(r.events).toEqual([]);
  });
});
