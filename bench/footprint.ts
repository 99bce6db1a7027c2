// Resident memory (VmRSS, Linux, and its private part RssAnon) of the idle agent, of the
// `npm start` pair (agent running the example deployments + peer simulator), beside an idle
// bare `node -e` measured in the same run; module by module in module-rss.ts.
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

/** VmRSS and RssAnon (the process's own memory; the rest is file pages such as the node binary, shared between processes), MiB. */
export interface Memory { rss: number; anon: number }

/** The memory of process `pid` now (Linux /proc). */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: kib('VmRSS'), anon: kib('RssAnon') };
}

/** How long after start-up V8's memory reducer has run (it unmaps heap pages a quiet process no longer needs, here 10 to 30 s after start). */
const SETTLE_MS = 30_000;

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

/** Memory of one idle process 1.5 s after it is ready, and again once settled. */
async function idleMemory(args: string[], ready: RegExp[], env: Record<string, string> = {}): Promise<{ early: Memory; settled: Memory }> {
  const { child } = await startUntil(args, ready, env);
  await sleep(1500);
  const early = await memoryOf(child.pid!);
  await sleep(SETTLE_MS - 1500);
  const settled = await memoryOf(child.pid!);
  await stop(child);
  return { early, settled };
}

/** The pids of a process's children (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
}

/** The agent and peer simulator of `npm start` (examples/start.mjs), both deployments installed: 3 s later, and settled. */
async function startPair(state: string, env: Record<string, string>, agentArgs: string[]): Promise<{ agent: Memory; sim: Memory; settled: { agent: Memory; sim: Memory } }> {
  const ready = [/greenhouse-on-this-device installed/, /greenhouse-peer installed/, /\[peer-sim\] rpc sim-1 read temperature/];
  const { child } = await startUntil([join(ROOT, 'examples/start.mjs'), '--state', state, '--broker-port', '0', ...agentArgs], ready, env);
  await sleep(3000);
  const kids = await childrenOf(child.pid!);
  const lines = await Promise.all(kids.map(async (pid) => ({ pid, cmd: await cmdline(pid) })));
  const agent = lines.find((l) => l.cmd.includes(' agent '))!.pid;
  const sim = lines.find((l) => l.cmd.includes('peer-sim'))!.pid;
  const early = { agent: await memoryOf(agent), sim: await memoryOf(sim) };
  await sleep(SETTLE_MS - 3000);
  const settled = { agent: await memoryOf(agent), sim: await memoryOf(sim) };
  await stop(child, 'SIGINT');
  return { ...early, settled };
}

const mib = (m: Memory) => `MiB, private ${m.anon.toFixed(1)}`;

/** Idle agent and `npm start` pair memory against bare Node, default and with `--profile small`. */
export async function footprint(): Promise<string[]> {
  const state = await mkdtemp(join(tmpdir(), 'wasmhost-bench-rss-'));
  try {
    const bare = await idleMemory(['-e', 'setInterval(() => {}, 1000); console.log("up")'], [/up/]);
    const agentReady = [/keeping the current one/];
    const agent = await idleMemory([BIN, 'agent', '--state', join(state, 'idle'), '--broker-port', '0'], agentReady);
    const smallEnv = { NODE_OPTIONS: profileSettings('small')!.nodeFlags.join(' ') };
    const small = await idleMemory([BIN, 'agent', '--profile', 'small', '--state', join(state, 'idle-small'), '--broker-port', '0'], agentReady, smallEnv);
    const pair = await startPair(join(state, 'pair'), {}, []);
    const smallPair = await startPair(join(state, 'pair-small'), smallEnv, ['--profile', 'small']);
    const base = { label: 'bare node', value: bare.early.rss };
    const settledBase = { label: 'bare node', value: bare.settled.rss };
    const both = (p: { agent: Memory; sim: Memory }): Memory => ({ rss: p.agent.rss + p.sim.rss, anon: p.agent.anon + p.sim.anon });
    return [
      `footprint (VmRSS MiB and its private part, RssAnon; "early": 1.5 s after ready, the pair 3 s after both deployments are installed; "settled": ${SETTLE_MS / 1000} s after, once V8's memory reducer has run)`,
      row('bare node -e (idle), early', bare.early.rss, mib(bare.early)),
      row('agent, no deployment, early', agent.early.rss, mib(agent.early), base),
      row('agent, no deployment, --profile small, early', small.early.rss, mib(small.early), base),
      row('bare node -e (idle), settled', bare.settled.rss, mib(bare.settled)),
      row('agent, no deployment, settled', agent.settled.rss, mib(agent.settled), settledBase),
      row('agent, no deployment, --profile small, settled', small.settled.rss, mib(small.settled), settledBase),
      row('npm start pair: agent (4 workloads in workers)', pair.agent.rss, mib(pair.agent), base),
      row('npm start pair: peer simulator', pair.sim.rss, mib(pair.sim), base),
      row('npm start pair: both', both(pair).rss, mib(both(pair)), base),
      row('npm start pair: both, settled', both(pair.settled).rss, mib(both(pair.settled)), settledBase),
      row('npm start pair, --profile small: agent', smallPair.agent.rss, mib(smallPair.agent), base),
      row('npm start pair, --profile small: both', both(smallPair).rss, mib(both(smallPair)), base),
      row('npm start pair, --profile small: agent, settled', smallPair.settled.agent.rss, mib(smallPair.settled.agent), settledBase),
      row('npm start pair, --profile small: both, settled', both(smallPair.settled).rss, mib(both(smallPair.settled)), settledBase),
      '  (NODE_OPTIONS of --profile small for agent and simulator alike)',
    ];
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}
