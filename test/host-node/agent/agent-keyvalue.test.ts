// The examples' key-value counter on a real agent, isolated in a worker by default (no
// --allow-in-process): its bucket lives in the agent's SQLite file and survives an agent restart.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml } from './fleet-fixtures.js';

const running: AgentProcess[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) await a.stop('SIGKILL');
});

const KV = 'examples/kv-counter-js/kv-counter.wasm';

describe('wasmhost agent: a key-value workload in worker isolation', () => {
  it('counts in a worker without --allow-in-process, and the count goes on after an agent restart', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-agent-kv-'));
    const [desired, state] = [join(root, 'desired'), join(root, 'state')];
    await mkdir(desired);
    await copyFile(KV, join(desired, 'kv-counter.wasm'));
    const digest = `sha256:${createHash('sha256').update(readFileSync(KV)).digest('hex')}`;
    await writeFile(join(desired, 'counter.yaml'), deploymentYaml({
      id: 'counter', version: '1.0.0', packageLocation: 'kv-counter.wasm', digest,
      properties: `          grants: { keyvalue: { buckets: [counts] } }
          triggers:
            - { kind: interval, everyMs: 100, export: count, args: ['"samples"'], output: kv/samples }
`,
    }));
    const first = startAgent(['--desired', desired, '--no-simulated-device'], state);
    running.push(first);
    const installed = await first.until((s) => s.workloads.some((w) => w.deployment === 'counter'), 60_000);
    expect(installed.workloads.find((w) => w.deployment === 'counter')).toMatchObject({ dead: false });
    await first.untilOutput(/\[bus\] kv\/samples .*3\b/, 60_000);
    expect(await first.stop('SIGTERM')).toBe(0);
    const counts = (agent: AgentProcess) => [...agent.output().matchAll(/\[bus\] kv\/samples \{"ok":(\d+)\}/g)].map((m) => Number(m[1]));
    const counted = counts(first);
    expect(counted.slice(0, 3)).toEqual([1, 2, 3]);

    const second = startAgent(['--desired', desired, '--no-simulated-device'], state);
    running.push(second);
    await second.untilOutput(/\[bus\] kv\/samples /, 60_000);
    const [firstAgain] = counts(second);
    const last = counted[counted.length - 1]!;
    // It goes on from the stored count (one more may have been stored as the first agent stopped).
    expect(firstAgain).toBeGreaterThan(last);
    expect(firstAgain).toBeLessThanOrEqual(last + 2);
  });
});
