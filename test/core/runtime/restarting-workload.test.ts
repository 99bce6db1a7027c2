import { readFile } from 'node:fs/promises';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createHost, type Host } from '../../../src/create-host.js';
import type { Component } from '../../../src/component/component.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { createManualClock } from '../../../src/memory/memory-agent-ports.js';
import { createRestartingWorkload, type RestartEvent } from '../../../src/runtime/restarting-workload.js';
import { WasmhostError } from '../../../src/errors.js';

const FAULTS = new URL('../../fixtures/wat/faults', import.meta.url);
const faultsHost = { name: 'faults-host', offers: [{ name: 'wasmhost:faults/host' }], create: () => ({ 'wasmhost:faults/host': { double: (x: number) => 2 * x, note: () => {} } }) };
let host: Host;
let faults: Component;

beforeAll(async () => {
  const [wat, wit] = await Promise.all([readFile(`${FAULTS.pathname}.wat`, 'utf8'), readFile(`${FAULTS.pathname}.wit`, 'utf8')]);
  host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [faultsHost] });
  faults = await host.load(await componentNew(await componentEmbed({ binary: await parse(wat), witSource: wit, world: 'faults' })));
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Waits until a restart that the clock has made due has finished instantiating (real work, more than one tick under load). */
const running = (w: { state: string }) => vi.waitFor(() => expect(w.state).toBe('running'), { timeout: 10_000, interval: 5 });
const rejection = (p: Promise<unknown>) => p.then(() => expect.fail('the call succeeded'), (e: unknown) => e as WasmhostError);

describe('in-process restarts (an injected clock, no sleeps)', () => {
  it('a trapping export restarts with exponential backoff, not on every call', async () => {
    const clock = createManualClock();
    const events: RestartEvent[] = [];
    const workload = await createRestartingWorkload(() => host.instantiate(faults, { name: 'trapper' }), {
      name: 'trapper', clock, onEvent: (e) => events.push(e),
    });
    // A caller hammering the trapping export every 10 ms for 15 s (the attack: 54 restarts in 15 s).
    let refused = 0;
    for (let t = 0; t < 15_000; t += 10) {
      const error = await rejection(workload.call('boom'));
      if ((error.data as { reason?: string } | undefined)?.reason === 'restarting') refused++;
      clock.advance(10);
      await settle();
    }
    // 100 + 200 + 400 + 800 + 1600 + 3200 + 6400 ms = 12.7 s: 7 restarts fit in 15 s.
    expect(workload.restarts).toBe(7);
    expect(events.filter((e) => e.type === 'stopped').map((e) => (e as { restartInMs: number }).restartInMs)).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800]);
    expect(refused).toBeGreaterThan(1400);
    const waiting = await rejection(workload.call('ok', 1));
    expect(waiting.message).toMatch(/^trapper is restarting after: boom trapped.*; next start in \d+ ms$/);
    workload.close();
  });

  it('a healthy period resets the delay; a fresh instance serves calls', async () => {
    const clock = createManualClock();
    const events: RestartEvent[] = [];
    const workload = await createRestartingWorkload(() => host.instantiate(faults, { name: 'w' }), { name: 'w', clock, onEvent: (e) => events.push(e), backoff: { resetAfterMs: 1000 } });
    await rejection(workload.call('boom'));
    clock.advance(100);
    await running(workload);
    await rejection(workload.call('boom'));
    clock.advance(200);
    await running(workload);
    expect(await workload.call('ok', 1)).toBe(2);
    clock.advance(1000);
    await rejection(workload.call('boom'));
    const delays = events.flatMap((e) => (e.type === 'stopped' ? [e.restartInMs] : []));
    expect(delays).toEqual([100, 200, 100]);
    workload.close();
  });
});

describe('in-process policy and limits', () => {
  it('a host whose operator did not allow in-process refuses it with the reason', async () => {
    const strict = createHost({ artifactCache: createMemoryArtifactCache(), providers: [faultsHost], allowInProcess: false });
    const error = await rejection(strict.instantiate(faults, { name: 'remote' }));
    expect(error.code).toBe('denied');
    expect(error.message).toContain("remote asks to run in-process (in the host's thread, with no call time limit), which this device's local configuration does not allow");
  });

  it('the memory limit caps Wasm memory in-process: growing past it traps instead of taking the host', async () => {
    const capped = await host.instantiate(faults, { name: 'hog', memoryBytes: 4 * 65536 });
    expect(() => capped.call('hog', 100)).toThrow(/hog trapped/);
    const uncapped = await host.instantiate(faults, { name: 'hog2' });
    expect(uncapped.call('hog', 100)).toBeGreaterThan(100);
  });

  it('reports its linear memory against its cap, the grown figure after memory.grow, and nothing once closed', async () => {
    const page = 65536;
    const workload = await host.instantiate(faults, { name: 'grower', memoryBytes: 8 * page });
    expect(workload.memory()).toEqual({ linearBytes: page, limitBytes: 8 * page });
    expect(workload.call('hog', 3)).toBe(4);
    expect(workload.memory()).toEqual({ linearBytes: 4 * page, limitBytes: 8 * page });
    const restarting = await createRestartingWorkload(() => host.instantiate(faults, { name: 'grower2' }), { name: 'grower2', clock: createManualClock() });
    await restarting.call('hog', 1);
    expect(restarting.memory()).toEqual({ linearBytes: 2 * page });
    workload.close();
    expect(workload.memory().linearBytes).toBe(0);
    restarting.close();
  });
});
