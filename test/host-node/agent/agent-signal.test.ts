// A stop signal that comes as soon as the agent has announced itself (agent.json written, the
// moment `wasmhost status` and the tests take it as up) stops it cleanly: exit code 0 and the
// endpoint file removed. The signal handlers used to be installed only after the start-up that
// follows the announcement, so such a SIGTERM killed about one agent in five by Node's default.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));

describe('wasmhost agent and stop signals', () => {
  it('stops cleanly on a SIGTERM sent the moment agent.json appears, every time', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const state = await mkdtemp(join(tmpdir(), 'wasmhost-agent-signal-'));
      try {
        const child = spawn(process.execPath, [BIN, 'agent', '--state', state, '--broker-port', '0', '--no-simulated-device'], { stdio: 'ignore' });
        const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code}/${signal}`)));
        for (let waited = 0; !existsSync(join(state, 'agent.json')); waited += 2) {
          if (waited > 30_000 || child.exitCode !== null) throw new Error('the agent did not announce itself');
          await new Promise((r) => setTimeout(r, 2));
        }
        child.kill('SIGTERM');
        outcomes.push(`${await exited} ${existsSync(join(state, 'agent.json')) ? 'endpoint left' : 'endpoint removed'}`);
      } finally {
        await rm(state, { recursive: true, force: true });
      }
    }
    expect(outcomes).toEqual(Array(10).fill('0/null endpoint removed'));
  }, 120_000);
});
