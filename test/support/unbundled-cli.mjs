// Runs the CLI from tsc's output (dist/host-node/cli/main.js) rather than the bundle that
// bin/wasmhost.js prefers, so module hooks see each of our modules by its own file name. The
// bundle splits at the same dynamic imports, so what this entry does not load, neither does it.
const { main, reportError } = await import('../../dist/host-node/cli/main.js');

const argv = process.argv.slice(2);
main(argv).then(
  (code) => { process.exitCode = code; },
  (error) => { process.exitCode = reportError(error, argv.includes('--json')); },
);
