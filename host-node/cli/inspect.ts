import { loadComponent } from '../../src/component/component.js';
import { printWorld } from '../../src/component/print-wit.js';
import { readComponentFile } from './read-component.js';

/**
 * `wasmhost inspect <component.wasm> [--json]`: the component's world, digest and size. It reads
 * the binary only, so it needs no host (nothing to run, nothing cached).
 */
export async function inspectCommand(path: string, json: boolean): Promise<number> {
  const component = await readComponentFile({ load: (bytes) => loadComponent(bytes) }, path);
  if (json) {
    process.stdout.write(`${JSON.stringify({ path, digest: component.digest, size: component.size, world: component.world }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `component ${path}\n  digest ${component.digest}\n  size   ${component.size} bytes\n\n${printWorld(component.world)}\n`,
  );
  return 0;
}
