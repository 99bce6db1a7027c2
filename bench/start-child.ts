// One start measured in a fresh process, so nothing is warm but what the mode says.
// argv: <bare|warm|cold> <component.wasm> <cache dir>; prints one JSON line: `ms` (the start,
// from after the modules are loaded) and `steps` (where the process's time went, in ms).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Digest } from '../src/component/digest.js';
import { stubImports } from './stub-imports.js';
import type { TranspileSteps } from '../host-node/transpile-process.js';

const entered = performance.now(); // Node's boot, up to this module's first line
const [mode, componentPath, cacheDir] = process.argv.slice(2);
const bytes = await readFile(componentPath);

if (mode === 'bare') {
  // Baseline: WebAssembly.instantiate (compile + instantiate) of each core module of the
  // cached artifact, with stub imports; the file reads are not timed.
  const dir = join(cacheDir, 'jco', (await sha256Digest(bytes)).slice(7));
  const files = await Promise.all((await readdir(dir)).filter((n) => n.endsWith('.wasm')).map((n) => readFile(join(dir, n))));
  let linked = 0;
  const start = performance.now();
  for (const file of files) {
    const module = await WebAssembly.compile(file);
    try {
      await WebAssembly.instantiate(module, stubImports(module));
      linked++;
    } catch {
      // A module whose imports the stubs cannot satisfy was still compiled; count it honestly.
    }
  }
  console.log(JSON.stringify({ ms: performance.now() - start, modules: files.length, linked }));
} else {
  const t0 = performance.now();
  // The component machinery a host loads with its first component (src/host-runtime.ts) counts
  // as host modules too: the row starts once the modules are loaded, as before they were lazy.
  const [{ createNodeHost }, { createDeviceProvider, createSimulatedDrivers }, { createProcessTranspiler }] = await Promise.all([
    import('../host-node/node-host.js'),
    import('../src/capabilities/device-provider.js'),
    import('../host-node/transpile-process.js'),
    import('../src/host-runtime.js'),
  ]);
  const start = performance.now();
  // The default transpiler, told where its time went.
  let transpile: TranspileSteps | undefined;
  const transpiler = createProcessTranspiler({ onSteps: (steps) => (transpile = steps) });
  const host = createNodeHost({ cacheDir, providers: [createDeviceProvider(createSimulatedDrivers())], log: () => {}, transpile: transpiler });
  const t1 = performance.now();
  const component = await host.load(bytes);
  const t2 = performance.now();
  const workload = await host.instantiate(component, { config: { threshold: '1000' }, grants: { sensors: ['*'], actuators: ['*'] } });
  const t3 = performance.now();
  workload.call('process', 21);
  const t4 = performance.now();
  const steps: Record<string, number> = { 'node boot': entered, 'host modules': start - t0, 'create host': t1 - start, 'load (digest, world)': t2 - t1, instantiate: t3 - t2, 'first call': t4 - t3 };
  if (transpile) {
    const { process: whole = 0, boot, 'jco import': jco, transpile: generate } = transpile;
    Object.assign(steps, { '(of instantiate) transpiler process': whole, 'its Node boot': boot, 'its jco import': jco, 'its transpile': generate, 'its reply and exit': whole - boot - jco - generate });
  }
  console.log(JSON.stringify({ ms: t4 - start, steps }));
}
