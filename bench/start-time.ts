import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, row } from './measure.js';

const CHILD = fileURLToPath(new URL('./start-child.js', import.meta.url));

function startOnce(mode: 'bare' | 'warm' | 'cold', component: string, cacheDir: string): { ms: number; modules?: number; linked?: number } {
  return JSON.parse(execFileSync(process.execPath, [CHILD, mode, component, cacheDir], { encoding: 'utf8' }));
}

/** Start times in fresh processes: cold (transpile), warm (cached artifact), and bare core-module instantiation. */
export async function startTime(component: string, label: string, runs = 7): Promise<string[]> {
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-'));
    cold.push(startOnce('cold', component, dir).ms);
    await rm(dir, { recursive: true, force: true });
  }
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-'));
  startOnce('cold', component, dir);
  const warm: number[] = [];
  const bare: number[] = [];
  let linkNote = '';
  for (let i = 0; i < runs; i++) {
    warm.push(startOnce('warm', component, dir).ms);
    const b = startOnce('bare', component, dir);
    bare.push(b.ms);
    linkNote = `${b.linked} of ${b.modules} core modules linked with stub imports`;
  }
  await rm(dir, { recursive: true, force: true });
  const base = { label: 'bare instantiate', value: median(bare) };
  return [
    `start time, ${label} (fresh process each; median ms; ${linkNote})`,
    row('bare WebAssembly.instantiate of core modules', base.value, 'ms'),
    row('warm start (cached artifact) to first call', median(warm), 'ms', base),
    row('cold start (transpile) to first call', median(cold), 'ms', base),
  ];
}
