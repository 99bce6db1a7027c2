// A worker-isolated workload with telemetry: a call becomes a span under the span active when
// it was made, the imports its worker forwards (blocking and fire-and-forget) become children of
// that call's span, and a timeout, a call refused while restarting and the restart are counted.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createThreadIsolate } from '../../../host-node/thread-isolate.js';
import { loadComponent, type Component } from '../../../src/component/component.js';
import { transpileWithJco } from '../../../src/component/transpile.js';
import type { TranspiledArtifact } from '../../../src/ports/artifact-cache.js';
import { createIsolatedWorkload } from '../../../src/runtime/isolated-workload.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';
import { buildWatComponent } from '../../support/wat-components.js';

let faults: { component: Component; artifact: TranspiledArtifact };

beforeAll(async () => {
  const bytes = await buildWatComponent('faults');
  const component = await loadComponent(bytes);
  faults = { component, artifact: await transpileWithJco(bytes, component.digest) };
});

async function startFaults() {
  const rec = recordingTelemetry();
  const imports = { 'wasmhost:faults/host': { double: async (x: number) => 2 * x, note: () => undefined } };
  const workload = await createIsolatedWorkload(faults.component, {
    name: 'faults', isolate: createThreadIsolate(), artifact: faults.artifact, imports, limits: { callTimeoutMs: 300, memoryBytes: 4 << 20 },
    backoff: { initialMs: 20 }, telemetry: rec.telemetry,
  });
  return { workload, ...rec };
}

describe('isolated workload telemetry', () => {
  it('the call span is a child of the active span; the imports the worker forwards are children of the call span', async () => {
    const { workload, telemetry, spans, counters, histograms } = await startFaults();
    const trigger = telemetry.startSpan('trigger interval');
    expect(await telemetry.withSpan(trigger, () => workload.call('ask', 20))).toBe(41);
    expect(await workload.call('tell', 7)).toBe(7);
    const [ask, double, tell, note] = spans.slice(1);
    expect([ask.name, double.name, tell.name, note.name]).toEqual(['call ask', 'import wasmhost:faults/host#double', 'call tell', 'import wasmhost:faults/host#note']);
    expect(ask.parent).toBe(trigger);
    expect(double.parent).toBe(ask);
    expect(tell.parent).toBeUndefined();
    expect(note.parent).toBe(tell);
    expect(spans.slice(1).every((s) => s.ended && s.error === undefined)).toBe(true);
    expect(counters.filter((c) => c.name === 'wasmhost.calls').map((c) => c.attributes)).toEqual([
      { 'wasmhost.workload': 'faults', 'wasmhost.outcome': 'ok' }, { 'wasmhost.workload': 'faults', 'wasmhost.outcome': 'ok' },
    ]);
    expect(counters.filter((c) => c.name === 'wasmhost.import.calls').map((c) => c.attributes!['wasmhost.import'])).toEqual(['wasmhost:faults/host#double', 'wasmhost:faults/host#note']);
    expect(histograms.filter((h) => h.name === 'wasmhost.call.duration')).toHaveLength(2);
    await workload.close();
  });

  it('a timeout and a call refused while restarting are failed spans and call errors; the restart is counted', async () => {
    const { workload, spans, counters } = await startFaults();
    await expect(workload.call('spin')).rejects.toMatchObject({ data: { reason: 'timeout' } });
    await expect(workload.call('ok', 1)).rejects.toMatchObject({ data: { reason: 'restarting' } });
    expect(spans.map((s) => [s.name, (s.error as { data?: { reason?: string } })?.data?.reason])).toEqual([['call spin', 'timeout'], ['call ok', 'restarting']]);
    expect(counters.filter((c) => c.name === 'wasmhost.call.errors')).toHaveLength(2);
    for (let waited = 0; workload.state !== 'running'; waited += 10) {
      if (waited > 10_000) throw new Error('no restart');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(counters.filter((c) => c.name === 'wasmhost.workload.restarts')).toEqual([{ name: 'wasmhost.workload.restarts', value: 1, attributes: { 'wasmhost.workload': 'faults' } }]);
    await workload.close();
  });

  it("the workload's memory is a gauge per workload: its linear memory (grown) and its worker's heap, gone once closed", async () => {
    const { workload, readGauges } = await startFaults();
    expect(await workload.call('hog', 2)).toBe(3);
    const [linear, heap] = readGauges('wasmhost.workload.memory');
    expect(linear).toEqual({ value: 3 * 65536, attributes: { 'wasmhost.workload': 'faults', 'wasmhost.memory.kind': 'linear' } });
    expect(heap).toMatchObject({ value: expect.any(Number), attributes: { 'wasmhost.workload': 'faults', 'wasmhost.memory.kind': 'heap' } });
    expect(heap!.value).toBeGreaterThan(100_000);
    await workload.close();
    expect(readGauges('wasmhost.workload.memory')).toEqual([]);
  });
});
