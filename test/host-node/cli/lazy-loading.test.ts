// The commands that run or check components, and the idle agent, load only what they use:
// with the unused heavy packages made unloadable (test/support/deny-heavy-imports.mjs), they
// still work. Before lazy loading, `check` and `run` loaded preview2-shim for the WASI offer
// list, `run` transpiled with jco in its own process, and the agent loaded ws and preview2-shim.
// The idle agent also leaves the component machinery (create-host's instances, isolated
// workloads, world reading, the deployment runner) and node:https for its first deployment.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));
const DENY = fileURLToPath(new URL('../../support/deny-heavy-imports.mjs', import.meta.url));
const UNBUNDLED = fileURLToPath(new URL('../../support/unbundled-cli.mjs', import.meta.url));
const ALARM = fileURLToPath(new URL('../../../examples/threshold-alarm-c/threshold-alarm.wasm', import.meta.url));
const GRANTS = ['--grant', 'sensors=*', '--grant', 'actuators=*'];
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-lazy-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function denying(denied: string[], args: string[]) {
  const run = spawnSync(process.execPath, ['--import', DENY, BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, WASMHOST_DENY_MODULES: denied.join(',') } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('commands load only what the configuration uses', () => {
  it('check loads no transpiler, WASI shim, broker, MQTT client, database or CBOR codec', () => {
    const result = denying(['@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'aedes', 'mqtt', 'ws', 'better-sqlite3', 'cbor-x'], ['check', ALARM, ...GRANTS]);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('can run the component') });
  });

  it('run of an uncached component transpiles in a child process: the CLI loads no jco, WASI shim, broker or MQTT', async () => {
    const cache = await tempDir();
    const denied = ['@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'aedes', 'mqtt', 'ws', 'better-sqlite3', 'yaml', 'cbor-x'];
    const result = denying(denied, ['run', ALARM, '--cache-dir', cache, ...GRANTS, '--invoke', 'process(21.0)']);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: '21\n' });
    // The second run takes the artifact the child process stored.
    expect(denying(denied, ['run', ALARM, '--cache-dir', cache, ...GRANTS, '--invoke', 'process(30.5)'])).toMatchObject({ code: 0, stdout: '30.5\n' });
  });

  it('the agent with no deployment serves its status without jco, the WASI shim, ws, SQLite, OpenTelemetry, mqtt.js, yaml or cbor-extract', async () => {
    const agent = await idleAgent(BIN, ['@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'ws', 'better-sqlite3', '@opentelemetry/api', 'mqtt', 'yaml']);
    expect((await fetch(agent.statusUrl)).status).toBe(200);
    // Native addons are loaded by require, which the hook does not see: neither SQLite's nor cbor-x's string extractor is mapped.
    const maps = await readFile(`/proc/${agent.child.pid}/maps`, 'utf8');
    expect(maps).not.toMatch(/better_sqlite3\.node/);
    expect(maps).not.toMatch(/cbor-extract/);
    expect(await agent.stop()).toBe(0);
    expect(agent.output()).toMatch(/embedded MQTT broker at mqtt:/);
    expect(agent.output()).not.toMatch(/must not be loaded/);
  });

  it('the agent with no deployment loads no component machinery, deployment runner or node:https', async () => {
    // From tsc's output, where each of our modules is seen by name (the bundle splits at the same dynamic imports).
    const lazy = ['host-runtime.js', 'run-deployment.js', 'isolated-workload.js', 'read-world.js', 'workload.js', 'node:https'];
    const agent = await idleAgent(UNBUNDLED, lazy);
    expect((await fetch(agent.statusUrl)).status).toBe(200);
    expect(await agent.stop()).toBe(0);
    expect(agent.output()).not.toMatch(/must not be loaded/);
  });
});

/** Starts `wasmhost agent` (no deployment, embedded broker) from `entry` with `denied` made unloadable; resolves once it is up. */
async function idleAgent(entry: string, denied: string[]) {
  const state = await tempDir();
  const child = spawn(process.execPath, ['--import', DENY, entry, 'agent', '--state', state, '--broker-port', '0'], {
    env: { ...process.env, WASMHOST_DENY_MODULES: denied.join(',') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  for (let waited = 0; !/keeping the current one/.test(out); waited += 50) {
    if (waited > 30_000 || child.exitCode !== null) throw new Error(`the agent did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const status = JSON.parse(await readFile(join(state, 'agent.json'), 'utf8')) as { url: string };
  return {
    child,
    statusUrl: status.url,
    output: () => out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
