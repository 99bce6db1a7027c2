#!/usr/bin/env node
// The CLI entry: the TypeScript build lives in dist/ (`npm run build`, run by `npm ci` through `prepare`).
import { main, reportError } from '../dist/host-node/cli/main.js';

const argv = process.argv.slice(2);
main(argv).then(
  (code) => { process.exitCode = code; },
  (error) => { process.exitCode = reportError(error, argv.includes('--json')); },
);
