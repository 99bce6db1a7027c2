import { readFile } from 'node:fs/promises';
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { buildImports } from '../src/capabilities/build-imports.js';
import { createConfigProvider } from '../src/capabilities/config-provider.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { createLoggingProvider } from '../src/capabilities/logging-provider.js';
import type { Component } from '../src/component/component.js';
import { nsPerOp, row } from './measure.js';
import { watComponent } from './wat-component.js';

const config = { threshold: '1000' }; // never crossed: no logging inside the timed loops
const grants = { actuators: ['*'] };
const device = createDeviceProvider(createSimulatedDrivers());

/** The same component instantiated bare (jco's glue, called directly) with the host's providers. */
async function bareInstance(host: ReturnType<typeof createHost>, component: Component) {
  const providers = [device, createLoggingProvider(), createConfigProvider()];
  const imports = buildImports(component.world, providers, { workload: 'bench', config, grants, log: () => {} });
  return (await host.engine.prepare(component)).instantiate(imports);
}

/**
 * Call overhead. Scalars: `process(f64) -> f64` of the WAT scalars component (no imports, so
 * the fast path applies) through wasmhost against the bare jco instance and the core-wasm
 * export (the physical limit). Strings: the C example's `classify(string, f64) -> string`
 * through wasmhost against the bare jco instance; and its `process`, which goes through jco's
 * glue because the component has imports.
 */
export async function callOverhead(alarmPath: string): Promise<string[]> {
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [device], log: () => {} });
  const scalars = await host.load(await watComponent('scalars'));
  const alarm = await host.load(await readFile(alarmPath));

  const fast = (await host.instantiate(scalars)).bind('process');
  const viaGlue = (await host.instantiate(scalars, { fastCalls: false })).bind('process');
  const raw = await bareInstance(host, scalars);
  const jcoProcess = raw.exports.process as (x: number) => number;
  const core = raw.coreInstances.find((c) => typeof c.instance.exports.process === 'function')!.instance.exports.process as (x: number) => number;

  const alarmHost = await host.instantiate(alarm, { config, grants });
  const alarmRaw = await bareInstance(host, alarm);
  const hostClassify = alarmHost.bind('classify');
  const hostAlarmProcess = alarmHost.bind('process');
  const jcoClassify = alarmRaw.exports.classify as (s: string, x: number) => string;
  const jcoAlarmProcess = alarmRaw.exports.process as (x: number) => number;

  let x = 20;
  const next = () => (x = x > 30 ? 20 : x + 0.01);
  const s = nsPerOp({ core: () => core(next()), jco: () => jcoProcess(next()), fast: () => fast(next()), glue: () => viaGlue(next()) });
  const c = nsPerOp({ jco: () => jcoClassify('greenhouse', next()), host: () => hostClassify('greenhouse', next()) }, 5_000);
  const p = nsPerOp({ jco: () => jcoAlarmProcess(next()), host: () => hostAlarmProcess(next()) }, 5_000);
  const coreBase = { label: 'core export', value: s.core };
  return [
    'call overhead, in-process (ns per call; median of 9 interleaved batches)',
    row('scalars process(f64): core-wasm export (limit)', s.core, 'ns'),
    row('scalars process(f64): bare jco instance', s.jco, 'ns', coreBase),
    row('scalars process(f64): wasmhost, fast path', s.fast, 'ns', coreBase),
    row('scalars process(f64): wasmhost, --no-fast-calls', s.glue, 'ns', { label: 'bare jco', value: s.jco }),
    row('C classify(string, f64): bare jco instance', c.jco, 'ns'),
    row('C classify(string, f64): wasmhost', c.host, 'ns', { label: 'bare jco', value: c.jco }),
    row('C process(f64) (has imports: jco glue): bare jco', p.jco, 'ns'),
    row('C process(f64): wasmhost', p.host, 'ns', { label: 'bare jco', value: p.jco }),
  ];
}
