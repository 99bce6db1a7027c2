import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWorld } from '../src/component/read-world.js';
import { transpileWithJco } from '../src/component/transpile.js';
import { match } from '../src/device/match.js';
import { profileFromProviders } from '../src/device/profile.js';
import { createWasiProvider } from '../host-node/wasi-provider.js';
import { median, row } from './measure.js';

const JCO = fileURLToPath(new URL('../../node_modules/.bin/jco', import.meta.url));

/** A 12 MB StarlingMonkey component (jco componentize's default backend), built once into the temp dir. */
async function bigComponent(): Promise<string> {
  const dir = join(tmpdir(), 'wasmhost-bench-starlingmonkey');
  const out = join(dir, 'app.wasm');
  if (existsSync(out)) return out;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'app.js'), 'export function process(x) { return x * 2 + 1; }\n');
  await writeFile(join(dir, 'app.wit'), 'package example:big;\nworld big { export process: func(x: f64) -> f64; }\n');
  execFileSync(JCO, ['componentize', join(dir, 'app.js'), '--wit', join(dir, 'app.wit'), '--world-name', 'big', '-o', out], { stdio: 'ignore' });
  return out;
}

/** `check` (read the world from the binary and match it) against one transpile of the same component. */
export async function checkTime(): Promise<string[]> {
  const path = await bigComponent();
  const bytes = new Uint8Array(await readFile(path));
  const profile = profileFromProviders(
    { id: 'bench', vendor: 'bench', modelNumber: 'bench', serialNumber: 'bench' },
    { cpu: [{ cores: 2, architecture: 'amd64' }], memory: 2 ** 30, storage: 2 ** 30, peripherals: [], interfaces: [] },
    [createWasiProvider()],
    { class: 'linux', engine: { name: 'jco', version: 'bench' } },
  );
  const checks: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    match(readWorld(bytes), profile, {});
    checks.push(performance.now() - start);
  }
  const start = performance.now();
  await transpileWithJco(bytes, 'sha256:bench');
  const transpile = performance.now() - start;
  const base = { label: 'transpile', value: transpile };
  return [
    `check vs transpile, ${(bytes.byteLength / 2 ** 20).toFixed(1)} MB StarlingMonkey component (ms)`,
    row('one jco transpile', transpile, 'ms'),
    row('check: read world from binary + match (median of 15)', median(checks), 'ms', base),
  ];
}
