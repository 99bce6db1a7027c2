import { readFile } from 'node:fs/promises';
import { WasmhostError } from '../../src/errors.js';
import type { TestHostMocks } from '../../src/testing/test-host.js';
import type { CapabilityCall } from '../../src/testing/record-calls.js';

/**
 * Reads `--mock fixtures.json`: `{ "sensors": {"name": 21.5 | [20, 22] | {"unit", "kind", "values"}},
 * "actuators": ["fan"] | {"valve": {"min": 0, "max": 100}}, "config": {"key": "value"},
 * "keyvalue": {"bucket": {"key": "value"}} }`.
 * Every problem names its field.
 */
export async function readMockFile(path: string): Promise<TestHostMocks> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new WasmhostError('bad-input', `--mock ${path}: ${(error as Error).message}`, { cause: error });
  }
  const bad = (field: string, what: string) => new WasmhostError('bad-input', `--mock ${path}: ${field}: ${what}`);
  if (!isObject(json)) throw bad('(root)', 'expected an object with sensors, actuators and config');
  for (const key of Object.keys(json)) if (!['sensors', 'actuators', 'config', 'keyvalue'].includes(key)) throw bad(key, 'unknown field (expected sensors, actuators, config, keyvalue)');
  const { sensors = {}, actuators = [], config = {}, keyvalue = {} } = json as Record<string, unknown>;
  if (!isObject(sensors)) throw bad('sensors', 'expected an object of sensor name → value(s)');
  for (const [name, mock] of Object.entries(sensors)) {
    const values = isObject(mock) ? mock.values : mock;
    const ok = typeof values === 'number' || (Array.isArray(values) && values.length > 0 && values.every((v) => typeof v === 'number'));
    if (!ok) throw bad(`sensors.${name}`, 'expected a number, a non-empty array of numbers, or {unit, kind, values}');
  }
  if (!Array.isArray(actuators) && !isObject(actuators)) throw bad('actuators', 'expected an array of names or an object of name → {min, max}');
  if (!isObject(config) || !Object.values(config).every((v) => typeof v === 'string')) throw bad('config', 'expected an object of string values');
  if (!isObject(keyvalue) || !Object.values(keyvalue).every((b) => isObject(b) && Object.values(b).every((v) => typeof v === 'string'))) {
    throw bad('keyvalue', 'expected an object of bucket → {key: string value}');
  }
  return { sensors, actuators, config, keyvalue } as TestHostMocks;
}

/** One line per capability call, for stderr: `wasmhost:device/sensors.read("a") → ok(…)`; JSON lines with --json. */
export function formatCalls(calls: readonly CapabilityCall[], json: boolean): string {
  const text = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? [...x] : x));
  return calls
    .map((c) =>
      json
        ? text({ call: c })
        : `call ${c.interface}.${c.function}(${c.args.map(text).join(', ')}) → ${describeOutcome(c.outcome, text)}`,
    )
    .map((line) => `${line}\n`)
    .join('');
}

function describeOutcome(outcome: CapabilityCall['outcome'], text: (v: unknown) => string | undefined): string {
  if (outcome.tag === 'trap') return `trap: ${outcome.message}`;
  return outcome.val === undefined ? outcome.tag : `${outcome.tag}(${text(outcome.val)})`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
