import { basename } from 'node:path';
import { WasmhostError } from '../../src/errors.js';
import type { Host } from '../../src/create-host.js';
import type { Workload } from '../../src/runtime/workload.js';
import { resolveExport } from '../../src/runtime/export-path.js';
import { parseCall, parseWaveArgs } from '../../src/component/parse-call.js';
import { printWave } from '../../src/component/wave.js';
import { valueFromJson, valueToJson } from '../../src/component/json-values.js';
import { createWasiProvider, WasiExit, type WasiGrant } from '../wasi-provider.js';
import { readComponentFile } from './read-component.js';
import { createDeviceProvider, createSimulatedDrivers } from '../../src/capabilities/device-provider.js';

/** Options of `wasmhost run`. */
export interface RunOptions {
  invoke?: string;
  json: boolean;
  config: Record<string, string>;
  wasi: WasiGrant;
  /** Arguments after `--`, for command components. */
  args: string[];
  fastCalls: boolean;
}

/** `wasmhost run`: calls one export (`--invoke`) or runs a `wasi:cli/run` command component. */
export async function runCommand(host: Host, path: string, options: RunOptions): Promise<number> {
  const component = await readComponentFile(host, path);
  const wasi = createWasiProvider({ ...options.wasi, args: [basename(path), ...options.args] });
  // Development devices: a drifting `temperature` sensor and a `fan` relay that reports each change.
  const device = createDeviceProvider(createSimulatedDrivers(1, (name, value) => process.stderr.write(`[simulated] ${name} set to ${value}\n`)));
  const workload = await host.instantiate(component, {
    name: basename(path),
    config: options.config,
    providers: [wasi, device],
    fastCalls: options.fastCalls,
  });
  return options.invoke === undefined ? runMain(workload) : invoke(workload, options.invoke, options.json);
}

async function invoke(workload: Workload, text: string, json: boolean): Promise<number> {
  const { target, args } = parseCall(text);
  const entry = resolveExport(workload.component.world, target);
  const fn = entry.function;
  const values = json ? jsonArgs(args, fn.params) : parseWaveArgs(args, fn.params);
  const result = await workload.call(entry.path, ...values);
  if (json) process.stdout.write(`${JSON.stringify(fn.result ? valueToJson(result, fn.result) : null)}\n`);
  else if (fn.result) process.stdout.write(`${printWave(result, fn.result)}\n`);
  return 0;
}

function jsonArgs(args: string[], params: { name: string; type: Parameters<typeof valueFromJson>[1] }[]): unknown[] {
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

/** Runs `wasi:cli/run#run`; the exit code is the component's. */
async function runMain(workload: Workload): Promise<number> {
  const run = workload.exports().find((e) => e.interface?.name.startsWith('wasi:cli/run@') && e.function.name === 'run');
  if (!run) {
    const names = workload.exports().map((e) => e.path);
    throw new WasmhostError('unknown-export', `the component is not a command (it does not export wasi:cli/run); call one of its exports with --invoke: ${names.join(', ') || '(none)'}`);
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
