// `wasmhost agent --profile small`: its settings, the Node flags it asks for, and a name it
// does not know refused as a usage error.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { missingNodeFlags, profileSettings } from '../../host-node/agent-profile.js';
import { createThreadIsolate } from '../../host-node/thread-isolate.js';

const BIN = fileURLToPath(new URL('../../bin/wasmhost.js', import.meta.url));

describe('agent profiles', () => {
  it('small: no idle worker, smaller worker heaps, a transpiler that trades speed for size', () => {
    expect(profileSettings('small')).toMatchObject({ isolate: { pool: 0, heapMb: 32, youngMb: 1 }, transpilerFlags: expect.arrayContaining(['--liftoff-only', '--optimize-for-size']) });
    expect(profileSettings('default')).toMatchObject({ isolate: {}, nodeFlags: [] });
    expect(profileSettings('tiny')).toBeUndefined();
    expect(profileSettings('toString')).toBeUndefined();
  });

  it('names the Node flags missing from both the command line and NODE_OPTIONS', () => {
    const small = profileSettings('small')!;
    expect(missingNodeFlags(small, [])).toEqual(small.nodeFlags);
    expect(missingNodeFlags(small, ['--max-old-space-size=64'], '--v8-pool-size=1')).toEqual(['--max-semi-space-size=1']);
    expect(missingNodeFlags(small, [], small.nodeFlags.join(' '))).toEqual([]);
  });

  it("small's worker settings start workers (isolate with no pool)", async () => {
    const isolate = createThreadIsolate(profileSettings('small')!.isolate);
    const worker = isolate.spawn({ name: 'small' });
    expect(isolate.idle).toBe(0);
    await worker.terminate();
    await isolate.close();
  });

  it('the agent refuses a profile it does not know, as a usage error', async () => {
    const state = await mkdtemp(join(tmpdir(), 'wasmhost-profile-'));
    try {
      const run = spawnSync(process.execPath, [BIN, 'agent', '--profile', 'tiny', '--state', state], { encoding: 'utf8', timeout: 30_000 });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain("unknown --profile 'tiny': use default or small");
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });
});
