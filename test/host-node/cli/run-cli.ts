import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs the real `wasmhost` bin (built into dist/ by `npm test`) as a user would. */
export function wasmhost(args: string[], env: Record<string, string> = {}): CliResult {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
