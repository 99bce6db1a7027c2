// The `triggers` and `limits` properties of a Wasm component.

import type { Grants } from '../capabilities/grants.js';
import { allowedName } from '../capabilities/grants.js';
import type { Limits, Trigger } from './types.js';
import {
  at, readInteger, readList, readObject, readString, readStringList, rejectUnknownKeys, scalarText, show, type Fields, type Problems,
} from './manifest-fields.js';

/** Limits applied when a component names none. */
export const DEFAULT_LIMITS: Readonly<Limits> = { callTimeoutMs: 1000, memoryBytes: 64 * 2 ** 20, isolation: 'worker' };

/**
 * Ranges of the numeric fields (docs/security/fetch.md lists them). Node timers overflow past
 * 2^31-1 ms (the callback then fires every millisecond), so no timer value comes near it.
 */
export const RANGES = {
  /** An interval trigger: 10 ms (beyond that, a busy loop) to one day. */
  everyMs: { min: 10, max: 86_400_000 },
  /** A call's time limit: 1 ms to 10 minutes. */
  callTimeoutMs: { min: 1, max: 600_000 },
  /** A memory cap: one Wasm page (64Ki) to 4Gi (the 32-bit address space). */
  memoryBytes: { min: 65536, max: 4 * 2 ** 30 },
  /** An http trigger's request body cap: none at all to 64 MiB (what a worker holds at once). */
  maxBodyBytes: { min: 0, max: 64 * 2 ** 20 },
  /** Requests an http trigger admits at once (the running one and the queue). */
  maxConcurrent: { min: 1, max: 1024 },
} as const;

const TRIGGER_KINDS = ['interval', 'message', 'reading', 'http'] as const;
const ISOLATIONS = ['worker', 'in-process'] as const;

/** Reads `triggers` (absent: none). Checks each against `grants`: a trigger must not reach past them. */
export function readTriggers(value: unknown, grants: Grants | undefined, path: string, problems: Problems): Trigger[] | undefined {
  if (value === undefined) return [];
  const list = readList(value, path, problems);
  if (!list) return undefined;
  const before = problems.list.length;
  const triggers: Trigger[] = [];
  list.forEach((item, i) => {
    const trigger = readTrigger(item, grants, at(path, i), problems);
    if (trigger) triggers.push(trigger);
  });
  return problems.list.length === before ? triggers : undefined;
}

function readTrigger(value: unknown, grants: Grants | undefined, path: string, problems: Problems): Trigger | undefined {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  const kind = obj.kind;
  if (kind === undefined) return problems.add(at(path, 'kind'), `required (one of: ${TRIGGER_KINDS.join(', ')})`);
  if (kind === 'message') {
    rejectUnknownKeys(obj, ['kind'], path, problems);
    // Grants are undefined when they were malformed; that is reported already.
    if (grants && !grants.messaging?.subscribe?.length) {
      return problems.add(path, 'a message trigger needs topics to receive: grant them in grants.messaging.subscribe');
    }
    return { kind };
  }
  if (kind === 'interval') {
    rejectUnknownKeys(obj, ['kind', 'everyMs', 'export', 'args', 'output'], path, problems);
    const everyMs = readInteger(obj.everyMs, at(path, 'everyMs'), problems, RANGES.everyMs.min, RANGES.everyMs.max);
    const fn = readString(obj.export, at(path, 'export'), problems);
    const args = obj.args === undefined ? [] : readArgs(obj.args, at(path, 'args'), problems);
    const output = readOutput(obj, path, problems);
    if (everyMs === undefined || fn === undefined || args === undefined || output === null) return undefined;
    return { kind, everyMs, export: fn, ...(args.length ? { args } : {}), ...(output ? { output } : {}) };
  }
  if (kind === 'reading') {
    rejectUnknownKeys(obj, ['kind', 'sensors', 'export', 'output'], path, problems);
    const sensors = readStringList(obj.sensors, at(path, 'sensors'), problems, true);
    const fn = readString(obj.export, at(path, 'export'), problems);
    const output = readOutput(obj, path, problems);
    sensors?.forEach((sensor, i) => {
      if (grants && !allowedName(grants.sensors, sensor)) {
        problems.add(at(at(path, 'sensors'), i), `sensor ${show(sensor)} is not granted (add it to grants.sensors)`);
      }
    });
    if (sensors === undefined || fn === undefined || output === null) return undefined;
    return { kind, sensors, export: fn, ...(output ? { output } : {}) };
  }
  if (kind === 'http') return readHttpTrigger(obj, path, problems);
  return problems.add(at(path, 'kind'), `expected one of ${TRIGGER_KINDS.join(', ')}, got ${show(kind)}`);
}

/** `{kind: http, path: /api, host?, maxBody?, maxConcurrent?}`: a path prefix on the agent's HTTP listener. */
function readHttpTrigger(obj: Fields, path: string, problems: Problems): Trigger | undefined {
  rejectUnknownKeys(obj, ['kind', 'path', 'host', 'maxBody', 'maxConcurrent'], path, problems);
  const route = readString(obj.path, at(path, 'path'), problems);
  if (route !== undefined && !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%\/-]{0,255}$/.test(route)) {
    return problems.add(at(path, 'path'), `${show(route)} is no path prefix: it must start with / and hold only URL path characters (no ? or #)`);
  }
  const host = obj.host === undefined ? undefined : readString(obj.host, at(path, 'host'), problems);
  if (host !== undefined && !/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host)) return problems.add(at(path, 'host'), `${show(host)} is no host name (optionally with :port)`);
  const maxBodyBytes = obj.maxBody === undefined ? undefined : readInteger(obj.maxBody, at(path, 'maxBody'), problems, RANGES.maxBodyBytes.min, RANGES.maxBodyBytes.max);
  const maxConcurrent = obj.maxConcurrent === undefined ? undefined : readInteger(obj.maxConcurrent, at(path, 'maxConcurrent'), problems, RANGES.maxConcurrent.min, RANGES.maxConcurrent.max);
  if (route === undefined || (obj.maxBody !== undefined && maxBodyBytes === undefined) || (obj.maxConcurrent !== undefined && maxConcurrent === undefined)) return undefined;
  return { kind: 'http', path: route, ...(host ? { host } : {}), ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}), ...(maxConcurrent !== undefined ? { maxConcurrent } : {}) };
}

/** WAVE arguments; numbers and booleans are accepted as their WAVE text (`21.5`, `true`). */
function readArgs(value: unknown, path: string, problems: Problems): string[] | undefined {
  const list = readList(value, path, problems);
  if (!list) return undefined;
  const args: string[] = [];
  list.forEach((item, i) => {
    const text = scalarText(item);
    if (text === undefined) problems.add(at(path, i), `expected a WAVE value as text (e.g. "21.5" or "\\"hello\\""), got ${show(item)}`);
    else args.push(text);
  });
  return args.length === list.length ? args : undefined;
}

/** The output topic: undefined when absent, null when malformed (and reported). */
function readOutput(obj: Fields, path: string, problems: Problems): string | undefined | null {
  if (obj.output === undefined) return undefined;
  const topic = readString(obj.output, at(path, 'output'), problems);
  if (topic === undefined) return null;
  if (/[#+]/.test(topic)) {
    problems.add(at(path, 'output'), `${show(topic)} is a topic filter; an output needs a concrete topic (no + or #)`);
    return null;
  }
  return topic;
}

/** Reads `limits`, filling what is absent from DEFAULT_LIMITS. */
export function readLimits(value: unknown, path: string, problems: Problems): Limits | undefined {
  if (value === undefined) return { ...DEFAULT_LIMITS };
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  rejectUnknownKeys(obj, ['callTimeoutMs', 'memory', 'isolation'], path, problems);
  const callTimeoutMs = obj.callTimeoutMs === undefined ? DEFAULT_LIMITS.callTimeoutMs : readInteger(obj.callTimeoutMs, at(path, 'callTimeoutMs'), problems, RANGES.callTimeoutMs.min, RANGES.callTimeoutMs.max);
  const memoryBytes = obj.memory === undefined ? DEFAULT_LIMITS.memoryBytes : readMemory(obj.memory, at(path, 'memory'), problems);
  let isolation: Limits['isolation'] | undefined = DEFAULT_LIMITS.isolation;
  if (obj.isolation !== undefined) {
    isolation = ISOLATIONS.find((i) => i === obj.isolation);
    if (!isolation) problems.add(at(path, 'isolation'), `expected one of ${ISOLATIONS.join(', ')}, got ${show(obj.isolation)}`);
  }
  if (isolation === 'in-process' && obj.callTimeoutMs !== undefined) {
    problems.add(at(path, 'callTimeoutMs'), "cannot be enforced with isolation: in-process (a call in the host's thread cannot be interrupted); remove it, or use isolation: worker");
  }
  if (callTimeoutMs === undefined || memoryBytes === undefined || isolation === undefined) return undefined;
  return { callTimeoutMs, memoryBytes, isolation };
}

const UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };

/** Bytes from a whole number or a quantity (`64Mi`, `1Gi`, `512k`), within RANGES.memoryBytes. */
function readMemory(value: unknown, path: string, problems: Problems): number | undefined {
  let bytes: number | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) bytes = value;
  if (typeof value === 'string') {
    // At most 16 digits, so the product stays exact; anything longer is over the range anyway.
    const m = /^(\d{1,16})(Ki|Mi|Gi|k|M|G)?$/.exec(value);
    if (m) bytes = Number(m[1]) * UNITS[m[2] ?? ''];
    else if (/^\d+(Ki|Mi|Gi|k|M|G)?$/.test(value)) bytes = Infinity;
  }
  if (bytes === undefined) return problems.add(path, `expected bytes or a quantity like 64Mi, got ${show(value)}`);
  if (bytes < RANGES.memoryBytes.min) return problems.add(path, `${show(value)} is less than one Wasm page (64Ki)`);
  if (bytes > RANGES.memoryBytes.max) return problems.add(path, `${show(value)} is more than 4Gi, the most a 32-bit Wasm memory can address`);
  return bytes;
}
