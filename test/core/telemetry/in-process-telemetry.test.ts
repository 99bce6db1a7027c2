// An in-process host with telemetry: instantiate is traced (transpile, instantiate under the
// given span), a call is a span under the active one, imports it makes run with the call span
// active (a workload log line is a log record), and a trap is a failed call.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../src/create-host.js';
import { createMemoryArtifactCache } from '../../../src/memory/memory-artifact-cache.js';
import { watComponentPath } from '../../support/wat-components.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';
import type { CapabilityProvider } from '../../../src/capabilities/provider.js';

describe('in-process workload telemetry', () => {
  it('traces instantiate and calls, counts outcomes, and sends workload logs as log records', async () => {
    const rec = recordingTelemetry();
    const active: (string | undefined)[] = [];
    const thing: CapabilityProvider = {
      name: 'thing',
      offers: [{ name: 'example:missing/thing', version: '2.0.0' }],
      create: () => ({ 'example:missing/thing': { frob: (x: number) => (active.push((rec.telemetry.activeSpan() as { name?: string })?.name), 3 * x), describe: (x: number) => `#${x}` } }),
    };
    const host = createHost({ artifactCache: createMemoryArtifactCache(), telemetry: rec.telemetry, providers: [thing], log: () => undefined });
    const component = await host.load(await readFile(await watComponentPath('imports-logging')));
    const deploy = rec.telemetry.startSpan('deploy');
    const workload = await host.instantiate(component, { name: 'logging', span: deploy });
    expect(rec.spans.slice(1).map((s) => [s.name, s.parent?.name])).toEqual([['transpile', 'deploy'], ['instantiate', 'deploy']]);

    const trigger = rec.telemetry.startSpan('trigger interval');
    expect(rec.telemetry.withSpan(trigger, () => workload.call('run', 200))).toBe(601);
    const call = rec.spans.find((s) => s.name === 'call run')!;
    expect(call.parent).toBe(trigger);
    expect(call).toMatchObject({ ended: true, error: undefined, attributes: { 'wasmhost.workload': 'logging', 'wasmhost.export': 'run' } });
    expect(active).toEqual(['call run']);
    expect(rec.logs.map((l) => [l.level, l.body, l.attributes?.['wasmhost.workload']])).toEqual([['info', 'run called', 'logging'], ['warn', 'x is large', 'logging']]);
    expect(rec.counters.find((c) => c.name === 'wasmhost.calls')!.attributes).toEqual({ 'wasmhost.workload': 'logging', 'wasmhost.outcome': 'ok' });
  });

  it('a trap ends the call span failed and counts a call error', async () => {
    const rec = recordingTelemetry();
    const host = createHost({ artifactCache: createMemoryArtifactCache(), telemetry: rec.telemetry, log: () => undefined });
    const scalars = await host.instantiate(await host.load(await readFile(await watComponentPath('scalars'))), { name: 'scalars' });
    expect(() => scalars.call('fail')).toThrow();
    expect(rec.spans.find((s) => s.name === 'call fail')!.error).toMatchObject({ code: 'trap' });
    expect(rec.counters.filter((c) => c.name === 'wasmhost.call.errors').map((c) => c.attributes)).toEqual([{ 'wasmhost.workload': 'scalars', 'wasmhost.outcome': 'trap' }]);
  });

  it("a workload's linear memory is a gauge with its name while it is open", async () => {
    const rec = recordingTelemetry();
    const host = createHost({ artifactCache: createMemoryArtifactCache(), telemetry: rec.telemetry, log: () => undefined });
    const strings = await host.instantiate(await host.load(await readFile(await watComponentPath('strings'))), { name: 'strings' });
    const [gauge] = rec.readGauges('wasmhost.workload.memory');
    expect(gauge!.attributes).toEqual({ 'wasmhost.workload': 'strings', 'wasmhost.memory.kind': 'linear' });
    expect(gauge!.value).toBe(strings.memory().linearBytes);
    expect(gauge!.value).toBeGreaterThan(0);
    strings.close();
    expect(rec.readGauges('wasmhost.workload.memory')).toEqual([]);
  });
});
