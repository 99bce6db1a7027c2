// CLI start-up: `wasmhost --help` and `wasmhost inspect` as whole processes, beside `node -e 0`
// measured in the same run (the aim: within 2× of Node's own start).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, row } from './measure.js';

const BIN = fileURLToPath(new URL('../../bin/wasmhost.js', import.meta.url));

function wallMs(args: string[]): number {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median wall time of each command over `runs` fresh processes, interleaved so drift hits all alike. */
export async function cliStart(component: string, runs = 9): Promise<string[]> {
  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'wasmhost --help': [BIN, '--help'],
    'wasmhost inspect (example component)': [BIN, 'inspect', component],
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (const args of Object.values(commands)) wallMs(args); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(commands)) samples[name].push(wallMs(args));
  const base = { label: 'node -e 0', value: median(samples['node -e 0']) };
  return [
    `CLI start-up (fresh process each; median wall ms of ${runs})`,
    row('node -e 0', base.value, 'ms'),
    row('wasmhost --help', median(samples['wasmhost --help']), 'ms', base),
    row('wasmhost inspect (example component)', median(samples['wasmhost inspect (example component)']), 'ms', base),
  ];
}
