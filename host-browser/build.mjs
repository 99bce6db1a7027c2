// Bundles the browser host with esbuild: the page entry, the workload worker, the Node agent's
// console page (console-main.ts, the same view fed over HTTP), and the files
// they load at run time (index.html, the stylesheet, jco's transpiler core modules, which its
// glue fetches relative to the bundle). `npm run build` runs it after tsc.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const jcoVersion = JSON.parse(readFileSync(join(dirname(require.resolve('@bytecodealliance/jco')), '..', 'package.json'), 'utf8')).version;

/** The options every browser bundle uses (the page's, and test pages'). */
export const bundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  splitting: true,
  sourcemap: true,
  // preview2-shim's browser build and jco's transpiler guard their Node-only branches at run time.
  external: ['node:*'],
  logLevel: 'warning',
  // The engine version the device profile reports, read from the jco that is bundled.
  define: { __JCO_VERSION__: JSON.stringify(jcoVersion) },
};

/** jco's transpiler core modules: its glue loads them with `new URL('./…wasm', import.meta.url)`. */
export function transpilerWasmFiles() {
  const vendor = dirname(require.resolve('@bytecodealliance/jco-transpile/component'));
  return ['js-component-bindgen-component.core.wasm', 'js-component-bindgen-component.core2.wasm'].map((f) => join(vendor, f));
}

/** Bundles `entryPoints` into `outdir` and copies the transpiler's wasm beside every chunk. */
export async function bundleBrowser(entryPoints, outdir, extra = {}) {
  await mkdir(outdir, { recursive: true });
  await build({ ...bundleOptions, entryPoints, outdir, ...extra });
  for (const file of transpilerWasmFiles()) await copyFile(file, join(outdir, file.split('/').pop()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = join(here, '..', 'dist', 'host-browser');
  await rm(outdir, { recursive: true, force: true }); // chunk names change with their content: no stale ones
  // Minified: the page's first load parses less (source maps keep stack traces readable).
  await bundleBrowser({ main: join(here, 'main.ts'), 'workload-worker': join(here, 'workload-worker.ts'), console: join(here, 'console-main.ts') }, outdir, { minify: true });
  for (const f of ['index.html', 'console.html', 'style.css']) await copyFile(join(here, f), join(outdir, f));
}
