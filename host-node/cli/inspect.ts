import { readFile } from 'node:fs/promises';
import { loadComponent, type Component } from '../../src/component/component.js';
import { sha256Digest } from '../../src/component/digest.js';
import { printWorld } from '../../src/component/print-world.js';
import { printWitPackage } from '../../src/component/print-wit-package.js';
import { witPackageIn } from '../../src/component/read-world.js';
import type { WitPackage } from '../../src/component/wit-types.js';
import { readComponentFile } from './read-component.js';

/**
 * `wasmhost inspect <component.wasm> [--json]`: the component's world, digest and size. It reads
 * the binary only, so it needs no host (nothing to run, nothing cached).
 */
export async function inspectCommand(path: string, json: boolean): Promise<number> {
  let component: Component;
  try {
    component = await readComponentFile({ load: (bytes) => loadComponent(bytes) }, path);
  } catch (error) {
    const pkg = witPackageIn(error);
    if (pkg === undefined) throw error;
    return inspectPackage(path, pkg, json);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ path, digest: component.digest, size: component.size, world: component.world }, null, 2)}\n`);
    return 0;
  }
  const { imports, exports } = component.world;
  const world = imports.length + exports.length === 0 ? 'an empty world: no imports, no exports\n' : printWorld(component.world);
  process.stdout.write(`component ${path}\n  digest ${component.digest}\n  size   ${component.size} bytes\n\n${world}\n`);
  return 0;
}

/** A WIT package has nothing to run, but inspecting it shows what it defines. */
async function inspectPackage(path: string, pkg: WitPackage, json: boolean): Promise<number> {
  const bytes = await readFile(path);
  const digest = await sha256Digest(bytes);
  if (json) {
    process.stdout.write(`${JSON.stringify({ path, digest, size: bytes.byteLength, witPackage: pkg }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `WIT package ${path} (interface types only, not a runnable component)\n  digest ${digest}\n  size   ${bytes.byteLength} bytes\n\n${printWitPackage(pkg)}\n`,
  );
  return 0;
}
