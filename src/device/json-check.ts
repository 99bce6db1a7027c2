// Field-by-field checks for JSON read from files or the network: every problem is
// collected with its field path, and all of them are thrown at once as `bad-input`.

import { WasmhostError } from '../errors.js';

/** One problem found in a JSON document: where, and what is wrong. */
export interface JsonIssue { path: string; message: string }

/** A JSON object read from untrusted input. */
export type JsonObject = Record<string, unknown>;

/** Collects issues while a document is checked; `done()` throws them all. */
export class Issues {
  readonly list: JsonIssue[] = [];

  add(path: string, message: string): undefined {
    this.list.push({ path, message });
    return undefined;
  }

  /** Throws a `bad-input` error with one line per issue, if there are any. */
  done(): void {
    if (this.list.length === 0) return;
    const lines = this.list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    throw new WasmhostError('bad-input', lines.join('\n'), { data: { issues: this.list } });
  }
}

/** `a` + `b` → `a.b`; `a` + `[0]` → `a[0]`; '' + `b` → `b`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** A short rendering of a value for messages: strings quoted, objects named, long text cut. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length <= 5 ? JSON.stringify(value) : `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? `'${value}'` : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** `json` itself, or the value in it when it is JSON text; an issue when the text is not JSON. */
export function fromJsonText(json: unknown, issues: Issues): unknown {
  if (typeof json !== 'string') return json;
  try {
    return JSON.parse(json);
  } catch (error) {
    issues.add('', `not JSON: ${error instanceof Error ? error.message : String(error)}`);
    return issues.done(); // throws
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `path`, or an issue. */
export function objectAt(value: unknown, path: string, issues: Issues): JsonObject | undefined {
  if (value === undefined) return issues.add(path, 'required');
  return isObject(value) ? value : issues.add(path, `expected an object, got ${show(value)}`);
}

/** The list at `path`, or an issue. */
export function listAt(value: unknown, path: string, issues: Issues): unknown[] | undefined {
  if (value === undefined) return issues.add(path, 'required');
  return Array.isArray(value) ? value : issues.add(path, `expected a list, got ${show(value)}`);
}

/** A non-empty string at `obj[key]`; absent is an issue unless `optional`. */
export function stringField(obj: JsonObject, key: string, path: string, issues: Issues, optional = false): string | undefined {
  const value = obj[key];
  const at = joinPath(path, key);
  if (value === undefined) return optional ? undefined : issues.add(at, 'required');
  if (typeof value !== 'string' || value === '') return issues.add(at, `expected a non-empty string, got ${show(value)}`);
  return value;
}

/** A whole number ≥ `min` at `obj[key]`; absent is an issue unless `optional`. */
export function integerField(obj: JsonObject, key: string, path: string, issues: Issues, optional = false, min = 0): number | undefined {
  const value = obj[key];
  const at = joinPath(path, key);
  if (value === undefined) return optional ? undefined : issues.add(at, 'required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) return issues.add(at, `expected a whole number ≥ ${min}, got ${show(value)}`);
  return value;
}

/** One of `allowed` at `obj[key]`; the issue lists the valid values. */
export function enumField<T extends string>(obj: JsonObject, key: string, allowed: readonly T[], path: string, issues: Issues, optional = false): T | undefined {
  const value = obj[key];
  const at = joinPath(path, key);
  if (value === undefined) return optional ? undefined : issues.add(at, 'required');
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) return issues.add(at, `unknown value ${show(value)} (valid: ${allowed.join(', ')})`);
  return value as T;
}

/** Flags keys of `obj` outside `known` (typos such as `value` for `values`). */
export function unknownFields(obj: JsonObject, known: readonly string[], path: string, issues: Issues): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) issues.add(joinPath(path, key), `unknown field (fields: ${known.join(', ')})`);
  }
}
