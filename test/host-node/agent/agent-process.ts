import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentStatusReport } from '../../../host-node/status-server.js';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));

/** A real `wasmhost agent` child process, with its output collected. */
export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  status(): Promise<AgentStatusReport | undefined>;
  /** Polls the status endpoint until `ready` holds (fails after `ms`). */
  until(ready: (s: AgentStatusReport) => boolean, ms?: number): Promise<AgentStatusReport>;
  /** Waits until the output contains `text`. */
  untilOutput(text: string | RegExp, ms?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `wasmhost agent --state <stateDir> …args`. */
export function startAgent(args: string[], stateDir: string, env: Record<string, string> = {}): AgentProcess {
  const child = spawn(process.execPath, [BIN, 'agent', '--state', stateDir, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  async function status(): Promise<AgentStatusReport | undefined> {
    try {
      const { url } = JSON.parse(await readFile(join(stateDir, 'agent.json'), 'utf8')) as { url: string };
      return (await (await fetch(url)).json()) as AgentStatusReport;
    } catch {
      return undefined;
    }
  }

  async function poll<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}) while waiting for ${what}\n${out}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    child,
    output: () => out,
    status,
    until: (ready, ms = 30_000) =>
      poll(async () => {
        const s = await status();
        return s && ready(s) ? s : undefined;
      }, ms, 'a status'),
    untilOutput: (text, ms = 30_000) =>
      poll(async () => ((typeof text === 'string' ? out.includes(text) : text.test(out)) ? true : undefined), ms, `output ${text}`).then(() => undefined),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
