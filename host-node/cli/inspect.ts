import { printWorld } from '../../src/component/print-world.js';
import type { Host } from '../../src/create-host.js';
import { readComponentFile } from './read-component.js';

/** `wasmhost inspect <component.wasm> [--json]`: the component's world, digest and size. */
export async function inspectCommand(host: Host, path: string, json: boolean): Promise<number> {
  const component = await readComponentFile(host, path);
  if (json) {
    process.stdout.write(`${JSON.stringify({ path, digest: component.digest, size: component.size, world: component.world }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `component ${path}\n  digest ${component.digest}\n  size   ${component.size} bytes\n\n${printWorld(component.world)}\n`,
  );
  return 0;
}
