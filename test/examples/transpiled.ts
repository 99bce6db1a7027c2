// Loads a component the way the host does: jco transpile in instantiation mode,
// then instantiate(getCoreModule, imports) with the imports a test supplies.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';

// Node has WebAssembly; the project's TypeScript libs (ES2022, no DOM) do not declare it.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<object> };

/** A transpiled component: what it imports, and a way to instantiate it. */
export interface Transpiled {
  imports: string[];
  instantiate(imports: Record<string, unknown>): Promise<Record<string, any>>;
  /** Removes the transpiled files. */
  dispose(): Promise<void>;
}

/** Transpiles `wasmPath` into a temporary directory and imports its JS. */
export async function transpileComponent(wasmPath: string): Promise<Transpiled> {
  const out = await transpile(await readFile(wasmPath), {
    name: 'component',
    instantiation: 'async',
    noTypescript: true,
  });
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-example-js-'));
  for (const [name, bytes] of Object.entries(out.files)) {
    if (name.endsWith('.d.ts')) continue;
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  const mod = await import(pathToFileURL(join(dir, 'component.js')).href);
  return {
    imports: out.imports,
    instantiate: (imports) =>
      mod.instantiate(async (name: string) => WebAssembly.compile(await readFile(join(dir, name))), imports),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Import objects whose functions throw when called: WASI a workload must not use. */
export function trappingImports(names: string[], called: string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.map((iface) => [
      iface,
      new Proxy({}, {
        get: (_target, prop) => () => {
          called.push(`${iface}#${String(prop)}`);
          throw new Error(`${iface}#${String(prop)} is not granted`);
        },
      }),
    ]),
  );
}
