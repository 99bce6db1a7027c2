#!/usr/bin/env node
// The CLI entry: the TypeScript build lives in dist/ (`npm run build`, run by `npm ci` through `prepare`).
// `npm run build` also bundles it into dist/cli/ (host-node/build-cli.mjs), which starts faster; a
// bundle older than tsc's output (a `tsc` without the bundle step) is not used.
// (node:fs/promises: importing node:fs would load Node's streams, a tenth of this start.)
import { stat } from 'node:fs/promises';

const modified = (url) => stat(new URL(url, import.meta.url)).then((s) => s.mtimeMs, () => -1);
const bundled = (await modified('../dist/cli/main.js')) >= (await modified('../dist/host-node/cli/main.js'));
const { main, reportError } = await import(bundled ? '../dist/cli/main.js' : '../dist/host-node/cli/main.js');

const argv = process.argv.slice(2);
main(argv).then(
  (code) => { process.exitCode = code; },
  (error) => { process.exitCode = reportError(error, argv.includes('--json')); },
);
