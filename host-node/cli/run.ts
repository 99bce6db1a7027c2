import { basename } from 'node:path';
import { WasmhostError } from '../../src/errors.js';
import type { Host } from '../../src/create-host.js';
import type { ComponentWorld, WitParam, WitType } from '../../src/component/wit-types.js';
import type { Workload } from '../../src/runtime/workload.js';
import { exportedFunctions, resolveExport } from '../../src/runtime/export-path.js';
import { parseCall, parseWaveArgs } from '../../src/component/parse-call.js';
import { printWave } from '../../src/component/wave.js';
import { printFunction } from '../../src/component/print-wit.js';
import { valueFromJson, valueToJson } from '../../src/component/json-values.js';
import { WasiExit } from '../../src/capabilities/wasi-shim.js';
import type { Grants } from '../../src/capabilities/grants.js';
import { readComponentFile } from './read-component.js';
import { formatInvocableExports, invocable } from './export-list.js';
import { trackStdoutTail } from '../../src/capabilities/stdout-tail.js';
import { nodeEngineFeatures } from './engine-features.js';
import { findEngineProblems } from '../../src/component/engine-support.js';
import type { Component } from '../../src/component/component.js';
import { formatSeconds, trackStep, transpileText, type StepProgress } from '../../src/deploy/progress.js';

/** Options of `wasmhost run`. */
export interface RunOptions {
  invoke?: string;
  json: boolean;
  config: Record<string, string>;
  grants: Grants;
  /** Arguments after `--`, for command components. */
  args: string[];
  fastCalls: boolean;
  /** Limits of the call: `--timeout-ms`, `--memory`; `inProcess` (`--in-process`) runs it in this thread, without a time limit. */
  limits: { callTimeoutMs: number; memoryBytes: number; inProcess: boolean };
}

/** Limits of `run` unless flags change them: a deployment's memory default, and 10 s for one call. */
export const RUN_LIMITS = { callTimeoutMs: 10_000, memoryBytes: 64 * 2 ** 20 } as const;

/** `wasmhost run`: calls one export (`--invoke`) or runs a `wasi:cli/run` command component. */
export async function runCommand(host: Host, path: string, options: RunOptions): Promise<number> {
  const component = await readComponentFile(host, path);
  // A bad call, or a component this command cannot run, is refused before anything is transpiled.
  refuseUnrunnable(component, path);
  // For a person at a terminal only: scripts and pipes read stderr as the component's own.
  if (process.stderr.isTTY) sayTranspiling(host, basename(path));
  const call = options.invoke === undefined ? undefined : prepareCall(component.world, options.invoke, options.json);
  if (call === undefined && exportedFunctions(component.world).length === 0) {
    throw new WasmhostError('unknown-export', 'the component exports no functions (no wasi:cli/run, nothing to --invoke), so there is nothing to run');
  }
  const instance = { name: basename(path), config: options.config, grants: options.grants };
  const { callTimeoutMs, memoryBytes } = options.limits;
  if (!call || options.limits.inProcess) {
    const { createWasiProvider } = await import('../wasi-provider.js');
    const stdout = trackStdoutTail(createWasiProvider({ args: [basename(path), ...options.args] }));
    const workload = await host.instantiate(component, { ...instance, providers: [stdout.provider], fastCalls: options.fastCalls, memoryBytes });
    if (!call) return runMain(workload, component.world);
    return printResult(await workload.call(call.path, ...call.args), call.function.result, options.json, stdout.endsMidLine());
  }
  const isolated = await host.startIsolated(component, { ...instance, wasiArgs: [basename(path), ...options.args], limits: { callTimeoutMs, memoryBytes } });
  let result: unknown;
  try {
    result = await isolated.call(call.path, ...call.args).catch((error: unknown) => { throw explainStop(error, call.path, options.limits); });
  } finally {
    await isolated.close();
  }
  return printResult(result, call.function.result, options.json, isolated.stdoutEndsMidLine());
}

/** A stopped call's error, in terms of the flags that set its limits. */
function explainStop(error: unknown, path: string, limits: RunOptions['limits']): unknown {
  const reason = error instanceof WasmhostError ? (error.data as { reason?: string } | undefined)?.reason : undefined;
  if (reason === 'timeout') return new WasmhostError('trap', `${path} did not return within ${limits.callTimeoutMs} ms and was stopped (raise the limit with --timeout-ms)`, { cause: error, data: error instanceof WasmhostError ? error.data : undefined });
  if (reason === 'out-of-memory') return new WasmhostError('trap', `${(error as Error).message} (raise the limit with --memory)`, { cause: error, data: (error as WasmhostError).data });
  return error;
}

/** The result on a line of its own, after whatever the guest printed. */
function printResult(result: unknown, type: WitType | undefined, json: boolean, endsMidLine: boolean): number {
  const text = json ? JSON.stringify(type ? valueToJson(result, type) : null) : type ? printWave(result, type) : undefined;
  if (text !== undefined) process.stdout.write(`${endsMidLine ? '\n' : ''}${text}\n`);
  return 0;
}

/** A transpile (a component not cached yet) that takes long is said on stderr, with its time when done. */
function sayTranspiling(host: Host, name: string): void {
  const clock = { now: () => Date.now(), setInterval: (f: () => void, ms: number) => { const t = setInterval(f, ms); return () => clearInterval(t); } };
  const say = (p: StepProgress) => process.stderr.write(`${p.text}\n`);
  host.onTranspile(({ digest, bytes }) => {
    const step = trackStep(clock, say, { deploymentId: '', component: name, step: 'transpile' }, `${transpileText(digest, bytes)} (${name}, once: later runs use the cache)`);
    return (error) => step.end((ms) => (error ? `transpiling ${name} failed` : `transpiled ${name} in ${formatSeconds(ms)}`));
  });
}

/** What this engine cannot run is refused before transpiling, one line per reason with what would make it run. */
function refuseUnrunnable(component: Component, path: string): void {
  const problems = findEngineProblems(component.bytes, component.world, nodeEngineFeatures(), path, 'call');
  if (problems.length === 0) return;
  const lines = problems.map((p) => `${p.problem}; ${p.fix}`);
  throw new WasmhostError('unsupported', `${path} cannot run here: ${lines.join('\n  ')}`, { data: { problems } });
}

function prepareCall(world: ComponentWorld, text: string, json: boolean) {
  const { target, args, offsets } = parseCall(text);
  const entry = resolveInvocable(world, target);
  const params = entry.function.params;
  try {
    return { path: entry.path, function: entry.function, args: json ? jsonArgs(args, params) : parseWaveArgs(args, params, { text, offsets }) };
  } catch (error) {
    if (!(error instanceof WasmhostError) || error.code !== 'bad-input') throw error;
    const signature = printFunction({ ...entry.function, name: entry.path });
    throw new WasmhostError('bad-input', `${error.message}\n  expected: ${signature}`, { cause: error, data: error.data });
  }
}

function jsonArgs(args: string[], params: WitParam[]): unknown[] {
  if (args.length !== params.length) {
    throw new WasmhostError('bad-input', `expected ${params.length} argument(s) (${params.map((p) => p.name).join(', ')}), got ${args.length}`);
  }
  return args.map((text, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new WasmhostError('bad-input', `argument ${params[i].name} is not valid JSON: ${(error as Error).message}`);
    }
    return valueFromJson(parsed, params[i].type);
  });
}

/** The export a call names, if `--invoke` can call it; otherwise an error listing those it can. */
function resolveInvocable(world: ComponentWorld, target: string) {
  let entry;
  try {
    entry = resolveExport(world, target);
  } catch (error) {
    if (!(error instanceof WasmhostError) || error.code !== 'unknown-export' || (error.data as { target?: string })?.target === undefined) throw error;
    throw new WasmhostError('unknown-export', `the component has no export '${target}' that --invoke can call. It can call:\n${formatInvocableExports(world)}`, { cause: error, data: error.data });
  }
  if (!invocable(entry)) {
    throw new WasmhostError('unsupported', `${entry.path} uses resources or is async, which --invoke cannot call. It can call:\n${formatInvocableExports(world)}`);
  }
  return entry;
}

/** Runs `wasi:cli/run#run`; the exit code is the component's. */
async function runMain(workload: Workload, world: ComponentWorld): Promise<number> {
  const run = workload.exports().find((e) => e.interface?.name.startsWith('wasi:cli/run@') && e.function.name === 'run');
  if (!run) {
    throw new WasmhostError('unknown-export', `the component is not a command (it does not export wasi:cli/run); call one of its exports with --invoke '<name>(<args>)':\n${formatInvocableExports(world)}`);
  }
  try {
    const result = (await workload.call(run.path)) as { tag: 'ok' | 'err' };
    return result.tag === 'ok' ? 0 : 1;
  } catch (error) {
    const exit = findExit(error);
    if (exit) return exit.exitCode;
    throw error;
  }
}

function findExit(error: unknown): WasiExit | undefined {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) if (e instanceof WasiExit) return e;
  return undefined;
}
