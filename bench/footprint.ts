// Resident memory (VmRSS, Linux) of the idle agent, of the `npm start` pair (agent running the
// example deployments + peer simulator), beside an idle bare `node -e` measured in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { row } from './measure.js';
import { profileSettings } from '../host-node/agent-profile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/wasmhost.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS of a process in MiB. */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

/** Starts a process and resolves once its output matches every pattern (or rejects after 60 s). */
async function startUntil(args: string[], patterns: RegExp[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let waited = 0; !patterns.every((p) => p.test(out)); waited += 50) {
    if (waited > 60_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`bench: ${args.join(' ')} did not reach ${patterns.join(', ')}:\n${out.slice(-2000)}`);
    }
    await sleep(50);
  }
  return { child, output: () => out };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/** RSS of one idle process after it settles. */
async function idleRss(args: string[], ready: RegExp[], env: Record<string, string> = {}, settleMs = 1500): Promise<number> {
  const { child } = await startUntil(args, ready, env);
  await sleep(settleMs);
  const mb = await rssMb(child.pid!);
  await stop(child);
  return mb;
}

/** The pids of a process's children (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
}

/** The agent and peer simulator of `npm start` (examples/start.mjs), both deployments installed. */
async function startPair(state: string, env: Record<string, string>, agentArgs: string[]): Promise<{ agent: number; sim: number }> {
  const ready = [/greenhouse-on-this-device installed/, /greenhouse-peer installed/, /\[peer-sim\] rpc sim-1 read temperature/];
  const { child } = await startUntil([join(ROOT, 'examples/start.mjs'), '--state', state, '--broker-port', '0', ...agentArgs], ready, env);
  await sleep(3000);
  const kids = await childrenOf(child.pid!);
  const lines = await Promise.all(kids.map(async (pid) => ({ pid, cmd: await cmdline(pid) })));
  const agent = lines.find((l) => l.cmd.includes(' agent '))!.pid;
  const sim = lines.find((l) => l.cmd.includes('peer-sim'))!.pid;
  const result = { agent: await rssMb(agent), sim: await rssMb(sim) };
  await stop(child, 'SIGINT');
  return result;
}

/** Idle agent and `npm start` pair RSS against bare Node, default and with `--profile small`. */
export async function footprint(): Promise<string[]> {
  const state = await mkdtemp(join(tmpdir(), 'wasmhost-bench-rss-'));
  try {
    const bare = await idleRss(['-e', 'setInterval(() => {}, 1000); console.log("up")'], [/up/]);
    const agentReady = [/keeping the current one/];
    const agent = await idleRss([BIN, 'agent', '--state', join(state, 'idle'), '--broker-port', '0'], agentReady);
    const smallEnv = { NODE_OPTIONS: profileSettings('small')!.nodeFlags.join(' ') };
    const small = await idleRss([BIN, 'agent', '--profile', 'small', '--state', join(state, 'idle-small'), '--broker-port', '0'], agentReady, smallEnv);
    const pair = await startPair(join(state, 'pair'), {}, []);
    const smallPair = await startPair(join(state, 'pair-small'), smallEnv, ['--profile', 'small']);
    const base = { label: 'bare node', value: bare };
    return [
      'footprint (VmRSS MiB, one sample each after 1.5 s idle; the pair after both deployments are installed)',
      row('bare node -e (idle)', bare, 'MiB'),
      row('agent, no deployment', agent, 'MiB', base),
      row('agent, no deployment, --profile small (+NODE_OPTIONS)', small, 'MiB', base),
      row('npm start pair: agent (4 workloads in workers)', pair.agent, 'MiB', base),
      row('npm start pair: peer simulator', pair.sim, 'MiB', base),
      row('npm start pair: both', pair.agent + pair.sim, 'MiB', base),
      row('npm start pair, --profile small: agent', smallPair.agent, 'MiB', base),
      row('npm start pair, --profile small: both', smallPair.agent + smallPair.sim, 'MiB', base),
    ];
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}
