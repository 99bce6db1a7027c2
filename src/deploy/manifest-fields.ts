// Field-path helpers for reading Margo manifests: every problem is collected with the
// path of its field, and all of them are thrown together as one `bad-input` error.

import { WasmhostError } from '../errors.js';

/** One thing wrong with a manifest: which document, which field, and what. */
export interface ManifestProblem {
  /** Field path such as `deploymentProfiles[0].components[1].properties.digest`; '' for the whole document. */
  path: string;
  message: string;
  /** The document's name (a file path or URL), when the caller gave one. */
  source?: string;
  /** 1-based position, for YAML syntax errors. */
  line?: number;
  column?: number;
}

/** A manifest object read from untrusted input. */
export type Fields = Record<string, unknown>;

/** Collects problems while documents are checked; `throwIfAny` throws them all at once. */
export class Problems {
  readonly list: ManifestProblem[] = [];

  constructor(readonly source?: string) {}

  /** Records a problem at `path`; returns undefined so readers can `return problems.add(...)`. */
  add(path: string, message: string): undefined {
    this.list.push(this.source === undefined ? { path, message } : { path, message, source: this.source });
    return undefined;
  }

  /** Keeps problems found by another collector (e.g. one for a second document). */
  addAll(problems: readonly ManifestProblem[]): void {
    this.list.push(...problems);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws the problems found so far (call it only after adding at least one). */
  fail(): never {
    throw manifestError(this.list);
  }

  /** Throws a `bad-input` error listing every problem on its own line, if there are any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw manifestError(this.list);
  }
}

/** One line of an error message: `source:line:col: message` or `source: path: message`. */
export function problemLine(p: ManifestProblem): string {
  if (p.line !== undefined) return `${p.source ?? 'input'}:${p.line}:${p.column ?? 1}: ${p.message}`;
  const where = [p.source, p.path].filter((s) => s !== undefined && s !== '').join(': ');
  return where ? `${where}: ${p.message}` : p.message;
}

/** The `bad-input` error for a list of problems; `data.problems` holds them as `{path, message}`. */
export function manifestError(problems: readonly ManifestProblem[]): WasmhostError {
  return new WasmhostError('bad-input', problems.map(problemLine).join('\n'), { data: { problems: [...problems] } });
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `a` + `b` → `a.b`; `a` + 0 → `a[0]`; `a` + `x.y` → `a["x.y"]`, so a path reads back unambiguously. */
export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

/** A value as a message shows it: strings in double quotes, long ones cut, objects by kind. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 70 ? `${value.slice(0, 67)}...` : value);
  return String(value);
}

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `path`; `required` when absent. */
export function readObject(value: unknown, path: string, problems: Problems): Fields | undefined {
  if (value === undefined) return problems.add(path, 'required');
  return isFields(value) ? value : problems.add(path, `expected an object, got ${show(value)}`);
}

/** The list at `path`; `required` when absent. */
export function readList(value: unknown, path: string, problems: Problems): unknown[] | undefined {
  if (value === undefined) return problems.add(path, 'required');
  return Array.isArray(value) ? value : problems.add(path, `expected a list, got ${show(value)}`);
}

/** A non-empty string at `path`; `required` when absent. */
export function readString(value: unknown, path: string, problems: Problems): string | undefined {
  if (value === undefined) return problems.add(path, 'required');
  if (typeof value === 'string' && value !== '') return value;
  const hint = typeof value === 'number' ? ' (quote it in YAML)' : '';
  return problems.add(path, `expected a non-empty string, got ${show(value)}${hint}`);
}

/** Like `readString`, but absent is fine. */
export function readOptionalString(value: unknown, path: string, problems: Problems): string | undefined {
  return value === undefined ? undefined : readString(value, path, problems);
}

/** A whole number in [`min`, `max`] at `path`; `required` when absent. */
export function readInteger(value: unknown, path: string, problems: Problems, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return problems.add(path, 'required');
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
  return problems.add(path, `expected a whole number ${range}, got ${show(value)}`);
}

/** A list of non-empty strings at `path` (each bad item reported at its index). */
export function readStringList(value: unknown, path: string, problems: Problems, nonEmpty = false): string[] | undefined {
  const list = readList(value, path, problems);
  if (!list) return undefined;
  if (nonEmpty && list.length === 0) return problems.add(path, 'expected at least one item, got an empty list');
  const out: string[] = [];
  list.forEach((item, i) => {
    const s = readString(item, at(path, i), problems);
    if (s !== undefined) out.push(s);
  });
  return out.length === list.length ? out : undefined;
}

/** A map of string → non-empty-string at `path`. */
export function readStringMap(value: unknown, path: string, problems: Problems): Record<string, string> | undefined {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, item] of Object.entries(obj)) {
    if (typeof item === 'string') {
      out[key] = item;
    } else {
      problems.add(at(path, key), `expected a string, got ${show(item)}`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/**
 * A map of string → scalar at `path`, each value as text: Margo parameter values may be strings,
 * numbers or booleans, and `wasi:config` and environment values are strings.
 */
export function readScalarMap(value: unknown, path: string, problems: Problems): Record<string, string> | undefined {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const [key, item] of Object.entries(obj)) {
    const text = scalarText(item);
    if (text !== undefined) {
      out[key] = text;
    } else {
      problems.add(at(path, key), `expected a string, number or boolean, got ${show(item)}`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** A string, finite number or boolean as text; undefined for anything else. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Flags keys of `obj` outside `known`, suggesting the closest known key for a likely typo. */
export function rejectUnknownKeys(obj: Fields, known: readonly string[], path: string, problems: Problems): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    problems.add(at(path, key), near ? `unknown field; did you mean "${near}"?` : `unknown field (expected one of: ${known.join(', ')})`);
  }
}

/** Levenshtein distance, for typo suggestions on short keys. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
