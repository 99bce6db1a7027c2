// Margo parameters: `{name: {value, targets[{pointer, components}]}}`. A target's pointer
// names a place in a component's properties, in Helm `--set` dot notation as Margo defines
// it (`config.threshold`, `limits.callTimeoutMs`, `triggers[0].everyMs`) or as an RFC 6901
// JSON Pointer (`/config/threshold`). Under `config` the rest of the pointer is one key,
// because `wasi:config` keys are flat (`config.alarm.level` sets the key `alarm.level`).

import {
  at, isFields, readList, readObject, readString, readStringList, scalarText, show, type Fields, type Problems,
} from './manifest-fields.js';
import { WASM_PROPERTIES } from './manifest-wasm.js';

/** A value Margo allows for a parameter. */
export type ParameterValue = string | number | boolean;

/** Where a parameter's value goes: a pointer into the properties of the named components. */
export interface ParameterTarget { pointer: string; components: string[] }

/** Where something was read from, so later problems can name its document and field. */
export interface Origin { source?: string; path: string }

/** One Margo parameter. A parameter without a value is not applied. */
export interface ManifestParameter {
  value?: ParameterValue;
  targets: ParameterTarget[];
  origin: Origin;
}

/** Reads a `parameters` map. `targetsRequired` is false where targets may come from the description. */
export function readParameters(value: unknown, path: string, problems: Problems, targetsRequired: boolean): Record<string, ManifestParameter> | undefined {
  if (value === undefined || value === null) return {};
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  const before = problems.list.length;
  const params: Record<string, ManifestParameter> = {};
  for (const [name, raw] of Object.entries(obj)) {
    const param = readParameter(raw, at(path, name), problems, targetsRequired);
    if (param) params[name] = param;
  }
  return problems.list.length === before ? params : undefined;
}

function readParameter(value: unknown, path: string, problems: Problems, targetsRequired: boolean): ManifestParameter | undefined {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  const before = problems.list.length;
  let paramValue: ParameterValue | undefined;
  if (obj.value !== undefined && obj.value !== null) {
    if (scalarText(obj.value) === undefined) problems.add(at(path, 'value'), `expected a string, number or boolean, got ${show(obj.value)}`);
    else paramValue = obj.value as ParameterValue;
  }
  const targets: ParameterTarget[] = [];
  if (obj.targets !== undefined || targetsRequired) {
    const list = readList(obj.targets, at(path, 'targets'), problems);
    list?.forEach((item, i) => {
      const target = readTarget(item, at(at(path, 'targets'), i), problems);
      if (target) targets.push(target);
    });
  }
  if (problems.list.length !== before) return undefined;
  const origin = problems.source === undefined ? { path } : { source: problems.source, path };
  return paramValue === undefined ? { targets, origin } : { value: paramValue, targets, origin };
}

function readTarget(value: unknown, path: string, problems: Problems): ParameterTarget | undefined {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  // The pointer's syntax depends on the component's profile type; Wasm ones are checked when applied.
  const pointer = readString(obj.pointer, at(path, 'pointer'), problems);
  const components = readStringList(obj.components, at(path, 'components'), problems, true);
  return pointer !== undefined && components ? { pointer, components } : undefined;
}

/** The steps of a pointer: property names and list indexes. */
export type PointerToken = string | number;

/** Parses a pointer in dot notation or JSON Pointer form, or says why it is malformed. */
export function parsePointer(pointer: string): { tokens: PointerToken[] } | { error: string } {
  const tokens = pointer.startsWith('/') ? jsonPointerTokens(pointer) : dotTokens(pointer);
  if ('error' in tokens) return tokens;
  const [head] = tokens.tokens;
  if (typeof head !== 'string' || !(WASM_PROPERTIES as readonly string[]).includes(head)) {
    return { error: `${show(pointer)} does not start with a Wasm component property (one of: ${WASM_PROPERTIES.join(', ')})` };
  }
  if (tokens.tokens.some((t) => t === '__proto__' || t === 'constructor' || t === 'prototype')) {
    return { error: `${show(pointer)} names a reserved key` };
  }
  return tokens;
}

function jsonPointerTokens(pointer: string): { tokens: PointerToken[] } | { error: string } {
  const raw = pointer.slice(1).split('/');
  if (raw.some((t) => /~(?![01])/.test(t))) return { error: `${show(pointer)} is not a JSON Pointer: '~' must be followed by 0 or 1` };
  const tokens: PointerToken[] = raw.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (tokens[0] === 'config') {
    if (tokens.length !== 2 || tokens[1] === '') return { error: `${show(pointer)}: a config pointer names one key, e.g. /config/threshold` };
    return { tokens };
  }
  // Index steps are digits; a property named like a number is not expected in Wasm properties.
  return { tokens: tokens.map((t) => (typeof t === 'string' && /^(0|[1-9]\d*)$/.test(t) ? Number(t) : t)) };
}

function dotTokens(pointer: string): { tokens: PointerToken[] } | { error: string } {
  const bad = { error: `${show(pointer)} is not a pointer: use dot notation (config.threshold, triggers[0].everyMs) or a JSON Pointer (/config/threshold)` };
  if (pointer.startsWith('config.')) {
    return pointer.length > 'config.'.length ? { tokens: ['config', pointer.slice('config.'.length)] } : bad;
  }
  const tokens: PointerToken[] = [];
  for (const segment of pointer.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(segment);
    if (!m) return bad;
    tokens.push(m[1]);
    for (const index of m[2].matchAll(/\[(\d+)\]/g)) tokens.push(Number(index[1]));
  }
  return { tokens };
}

/**
 * Sets `value` at `tokens` inside `root`, creating objects on the way; lists must already hold
 * the index. Returns the field path of the place set and of the first object it created (the
 * part of the properties the parameter wrote), or an error.
 */
export function setAtPointer(root: Fields, tokens: readonly PointerToken[], value: ParameterValue, rootPath: string): { path: string; wrote: string } | { error: string } {
  let current: unknown = root;
  let path = rootPath;
  let wrote: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const next = tokens[i + 1];
    if (Array.isArray(current)) {
      if (typeof token !== 'number' || token >= current.length) return { error: `${path} has no item [${token}]` };
    } else if (isFields(current)) {
      if (typeof token === 'number') return { error: `${path} is an object, not a list` };
      // Own properties only: `valueOf` or `toString` must not lead into the prototype.
      if (next !== undefined && (!Object.hasOwn(current, token) || current[token] === null)) {
        if (typeof next === 'number') return { error: `${at(path, token)} has no item [${next}]` };
        current[token] = {};
        wrote ??= at(path, token);
      }
    } else {
      return { error: `${path} is ${show(current)}, not an object or list` };
    }
    path = at(path, token);
    const container = current as Record<string | number, unknown>;
    if (next === undefined) container[token] = value;
    else current = container[token];
  }
  return { path, wrote: wrote ?? path };
}
