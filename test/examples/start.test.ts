// `npm start` (examples/start.mjs): the agent with its embedded broker and the Node peer
// simulator as sim-1, provisioned in the state on first start (the broker lets no peer in
// without its credential); the greenhouse-peer deployment runs on the peer's sensor and relay.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('npm start runs the greenhouse on the simulated peer sim-1 and stops cleanly on SIGINT', async () => {
  const state = mkdtempSync(join(tmpdir(), 'wasmhost-start-'));
  const child = spawn(process.execPath, ['examples/start.mjs', '--state', state, '--broker-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = async (re: RegExp) => {
    const end = Date.now() + 30_000;
    while (!re.test(out)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${re} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until(/\[start\] provisioned peer sim-1/);
    // Only a hash in the credential file; the secret in a file only its owner reads.
    const secret = readFileSync(join(state, 'sim-1.secret'), 'utf8').trim();
    expect(statSync(join(state, 'sim-1.secret')).mode & 0o077).toBe(0);
    expect(readFileSync(join(state, 'credentials.json'), 'utf8')).not.toContain(secret);
    await until(/\[bridge\] embedded MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+/);
    await until(/\[agent\] greenhouse-peer installed/);
    await until(/\[peer-sim\] rpc sim-1 read temperature -> /);
    await until(/\[bus\] greenhouse\/sim-1\/filtered \{"ok":\{"value":/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('[agent] stopped');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(state, { recursive: true, force: true });
  }
}, 60_000);
