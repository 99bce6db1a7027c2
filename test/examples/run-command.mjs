// Runs a wasi:cli/run command component the way `wasmhost run` is meant to:
// jco-transpiled (instantiation mode) with preview2-shim sandboxed to the given
// preopens, env and args. Its stdout, stderr and exit code become this process's.
//
//   node run-command.mjs <component.wasm> <json {args, env, preopens}>
import { rmSync } from 'node:fs';
import { readFile, mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

const [component, configJson] = process.argv.slice(2);
const { args = [], env = {}, preopens = {} } = JSON.parse(configJson ?? '{}');
const { files } = await transpile(await readFile(component), {
  name: 'command', instantiation: { tag: 'async' }, noTypescript: true,
});
const dir = await mkdtemp(join(tmpdir(), 'wasmhost-command-'));
// wasi:cli/exit ends the process with process.exit; clean up on the way out.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
for (const [name, bytes] of Object.entries(files)) {
  if (name.endsWith('.d.ts')) continue;
  await mkdir(dirname(join(dir, name)), { recursive: true });
  await writeFile(join(dir, name), bytes);
}
const { instantiate } = await import(pathToFileURL(join(dir, 'command.js')).href);
const wasi = new WASIShim({ sandbox: { preopens, env, args, enableNetwork: false } });
const instance = await instantiate((name) => readFile(join(dir, name)).then((b) => WebAssembly.compile(b)), wasi.getImportObject());
const run = instance.run ?? instance['wasi:cli/run@0.2.12'];
try {
  run.run();
} catch (e) {
  // wasi:cli/exit's shim calls process.exit itself; a run() result of err lands here.
  process.stderr.write(`run-command: ${e?.payload ?? e}\n`);
  process.exit(1);
}
