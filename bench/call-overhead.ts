import { readFile } from 'node:fs/promises';
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { buildImports } from '../src/capabilities/build-imports.js';
import { createConfigProvider } from '../src/capabilities/config-provider.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { createLoggingProvider } from '../src/capabilities/logging-provider.js';
import { nsPerOp, row } from './measure.js';

/**
 * Call overhead on the C example's `process(f64) -> f64` and `classify(string, f64) -> string`:
 * wasmhost (fast scalar path, and the jco glue path) against the same jco-transpiled
 * instance called directly, and against the core-wasm export (the physical limit).
 */
export async function callOverhead(componentPath: string): Promise<string[]> {
  const config = { threshold: '1000' }; // never crossed: no logging inside the timed loops
  const grants = { sensors: ['*'], actuators: ['*'] };
  const device = createDeviceProvider(createSimulatedDrivers());
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [device], log: () => {} });
  const component = await host.load(await readFile(componentPath));
  const fast = await host.instantiate(component, { config, grants });
  const glue = await host.instantiate(component, { config, grants, fastCalls: false });

  const providers = [device, createLoggingProvider(), createConfigProvider()];
  const imports = buildImports(component.world, providers, { workload: 'bench', config, grants, log: () => {} });
  const raw = await (await host.engine.prepare(component)).instantiate(imports);
  const jcoProcess = raw.exports.process as (x: number) => number;
  const jcoClassify = raw.exports.classify as (s: string, x: number) => string;
  const coreOwner = raw.coreInstances.find((c) => typeof c.instance.exports.process === 'function');
  const core = coreOwner!.instance.exports.process as (x: number) => number;

  const viaFast = fast.bind('process');
  const viaGlue = glue.bind('process');
  const classify = fast.bind('classify');
  let x = 20;
  const next = () => (x = x > 30 ? 20 : x + 0.01);

  const scalar = nsPerOp({
    core: () => core(next()),
    jco: () => jcoProcess(next()),
    fast: () => viaFast(next()),
    glue: () => viaGlue(next()),
  });
  const strings = nsPerOp({ jco: () => jcoClassify('greenhouse', next()), host: () => classify('greenhouse', next()) }, 5_000);
  const [coreNs, jcoNs, fastNs, glueNs] = [scalar.core, scalar.jco, scalar.fast, scalar.glue];
  const [jcoStrNs, hostStrNs] = [strings.jco, strings.host];
  const coreBase = { label: 'core export', value: coreNs };
  const jcoBase = { label: 'bare jco', value: jcoNs };
  return [
    'call overhead, in-process (C example; ns per call; median of 9 interleaved batches)',
    row('process(f64): core-wasm export (limit)', coreNs, 'ns'),
    row('process(f64): bare jco instance', jcoNs, 'ns', coreBase),
    row('process(f64): wasmhost, fast scalar path', fastNs, 'ns', coreBase),
    row('process(f64): wasmhost, jco glue path', glueNs, 'ns', jcoBase),
    row('classify(string, f64): bare jco instance', jcoStrNs, 'ns'),
    row('classify(string, f64): wasmhost', hostStrNs, 'ns', { label: 'bare jco', value: jcoStrNs }),
  ];
}
