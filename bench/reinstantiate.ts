import { readFile } from 'node:fs/promises';
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { buildImports } from '../src/capabilities/build-imports.js';
import { createConfigProvider } from '../src/capabilities/config-provider.js';
import { createLoggingProvider } from '../src/capabilities/logging-provider.js';
import { median, row } from './measure.js';
import { stubImports } from './stub-imports.js';

/**
 * A new instance of an already prepared component in a running host (what a restart after
 * a trap costs), against instantiating the same compiled core modules with stub imports.
 */
export async function reinstantiate(componentPath: string, runs = 30): Promise<string[]> {
  const host = createHost({ artifactCache: createMemoryArtifactCache(), providers: [createDeviceProvider(createSimulatedDrivers())], log: () => {} });
  const component = await host.load(await readFile(componentPath));
  const options = { config: { threshold: '1000' }, grants: { actuators: ['*'] } };
  const prepared = await host.engine.prepare(component);
  const providers = [createDeviceProvider(createSimulatedDrivers()), createLoggingProvider(), createConfigProvider()];
  const imports = buildImports(component.world, providers, { workload: 'bench', log: () => {}, ...options });
  const modules = (await prepared.instantiate(imports)).coreInstances.map((c) => c.module);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    (await host.instantiate(component, options)).call('process', 21);
    ours.push(performance.now() - start);
    start = performance.now();
    for (const module of modules) await WebAssembly.instantiate(module, stubImports(module)).catch(() => undefined);
    bare.push(performance.now() - start);
  }
  const base = { label: 'bare instantiate', value: median(bare) };
  return [
    `re-instantiate in a running host (C example; median of ${runs}; ms)`,
    row('WebAssembly.instantiate of the compiled core modules', base.value, 'ms'),
    row('wasmhost instantiate + first call', median(ours), 'ms', base),
  ];
}

