import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, row } from './measure.js';

const CHILD = fileURLToPath(new URL('./start-child.js', import.meta.url));

type Steps = Record<string, number>;

function startOnce(mode: 'bare' | 'warm' | 'cold', component: string, cacheDir: string): { ms: number; modules?: number; linked?: number; steps?: Steps } {
  return JSON.parse(execFileSync(process.execPath, [CHILD, mode, component, cacheDir], { encoding: 'utf8' }));
}

/** Start times in fresh processes: cold (transpile), warm (cached artifact), and bare core-module instantiation. */
export async function startTime(component: string, label: string, runs = 7): Promise<string[]> {
  const cold: number[] = [];
  const coldSteps: Steps[] = [];
  const warmSteps: Steps[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-'));
    const c = startOnce('cold', component, dir);
    cold.push(c.ms);
    coldSteps.push(c.steps!);
    await rm(dir, { recursive: true, force: true });
  }
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-'));
  startOnce('cold', component, dir);
  const warm: number[] = [];
  const bare: number[] = [];
  let linkNote = '';
  for (let i = 0; i < runs; i++) {
    const w = startOnce('warm', component, dir);
    warm.push(w.ms);
    warmSteps.push(w.steps!);
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
    '  where a fresh process goes (median ms of each step; the rows above start after host modules):',
    breakdown('warm', warmSteps),
    breakdown('cold', coldSteps),
  ];
}

function breakdown(label: string, samples: Steps[]): string {
  const names = Object.keys(samples[0]);
  return `    ${label}: ${names.map((n) => `${n} ${median(samples.map((s) => s[n])).toFixed(1)}`).join(', ')}`;
}
