// Bundles the CLI (dist/host-node/cli/main.js and what it imports) into dist/cli/ with esbuild:
// a fresh `wasmhost` process then loads a few files instead of ~100 modules, which on a small
// device is most of a warm `run`'s start (bench: `npm run bench -- cli`). Packages stay
// external, and each dynamic import stays a separate chunk, so a command still loads only what
// it uses. `import.meta.url` keeps pointing at the module's own file in dist/, so the files
// found beside a module (the worker entry, the transpile child, the page) are found as before.
// bin/wasmhost.js uses the bundle only when it is newer than tsc's output (see there).
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
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const rel = relative(outdir, args.path).split('\\').join('/');
      return { contents: source.replace(META_URL, `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'dist', 'host-node', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  plugins: [ownUrls],
  logLevel: 'warning',
});
