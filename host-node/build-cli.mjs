// Bundles the CLI (dist/host-node/cli/main.js and what it imports) into dist/cli/ with esbuild:
// a fresh `wasmhost` process then loads a few files instead of ~100 modules, which on a small
// device is most of a warm `run`'s start (bench: `npm run bench -- cli`). Packages stay
// external, and each dynamic import stays a separate chunk, so a command still loads only what
// it uses. `import.meta.url` keeps pointing at the module's own file in dist/, so the files
// found beside a module (the worker entry, the transpile child, the page) are found as before.
// bin/wasmhost.js uses the bundle only when it is newer than tsc's output (see there).
// It also bundles the transpiler process's entry with jco and a WASI of its own in place of
// preview2-shim (transpiler-wasi.ts) into dist/host-node/transpile-child.bundle.js, which
// transpile-process.ts likewise uses when it is newer than transpile-child.js; and the workload
// worker into dist/host-node/worker-bundle/ (workload-worker-url.ts).
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');
const META_URL = /(?<!['"`])\bimport\.meta\.url\b(?!['"`])/g;

/** Rewrites `import.meta.url` in each bundled module to that module's own URL in dist/. */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const out = b.initialOptions.outfile ? dirname(b.initialOptions.outfile) : b.initialOptions.outdir;
      const rel = relative(out, args.path).split('\\').join('/');
      return { contents: source.replace(META_URL, `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

/** Bundles the transpiler process's entry (from tsc's output) into `outfile`, preview2-shim replaced. */
export async function bundleTranspileChild(outfile) {
  const shim = join(root, 'dist', 'host-node', 'transpiler-wasi.js');
  await build({
    entryPoints: [join(root, 'dist', 'host-node', 'transpile-child.js')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    alias: Object.fromEntries(['cli', 'filesystem', 'io', 'random'].map((m) => [`@bytecodealliance/preview2-shim/${m}`, shim])),
    plugins: [ownUrls],
    preserveSymlinks: true,
    logLevel: 'warning',
  });
}

/** Bundles an entry (from tsc's output) into `dir`, packages external and each dynamic import its own chunk. */
async function bundleSplit(entryPoints, dir) {
  await rm(dir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    plugins: [ownUrls],
    preserveSymlinks: true,
    logLevel: 'warning',
  });
}

/** Bundles the workload worker's entry (from tsc's output) into `dir` (inside the package, so its packages resolve). */
export async function bundleWorker(dir) {
  await bundleSplit([join(root, 'dist', 'host-node', 'workload-worker.js')], dir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleSplit({ main: join(root, 'dist', 'host-node', 'cli', 'main.js') }, outdir);
  await bundleTranspileChild(join(root, 'dist', 'host-node', 'transpile-child.bundle.js'));
  // The workload worker, the same way as the CLI (workload-worker-url.ts picks it).
  await bundleWorker(join(root, 'dist', 'host-node', 'worker-bundle'));
}
