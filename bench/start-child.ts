// One start measured in a fresh process, so nothing is warm but what the mode says.
// argv: <bare|warm|cold> <component.wasm> <cache dir>; prints one JSON line.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeHost } from '../host-node/node-host.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { sha256Digest } from '../src/component/digest.js';
import { stubImports } from './stub-imports.js';

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
  const start = performance.now();
  const host = createNodeHost({ cacheDir, providers: [createDeviceProvider(createSimulatedDrivers())], log: () => {} });
  const component = await host.load(bytes);
  const workload = await host.instantiate(component, { config: { threshold: '1000' }, grants: { sensors: ['*'], actuators: ['*'] } });
  workload.call('process', 21);
  console.log(JSON.stringify({ ms: performance.now() - start }));
}
