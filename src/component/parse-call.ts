// Invocations as written on a command line (`add(1, 2)`, `pkg:iface/name#func("a, b")`):
// the function path, each argument's raw text, and WAVE arguments checked against params.

import { WasmhostError } from '../errors.js';
import type { WitParam } from './wit-types.js';
import { makeOption } from './jco-values.js';
import { describeType } from './value-types.js';
import { syntaxError } from './wave-lexer.js';
import { parseWave } from './wave-parse.js';

/** A split invocation: the function path as written, each top-level argument's raw text, and where each starts in the call. */
export interface ParsedCall { target: string; args: string[]; offsets: number[] }

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Splits `name(arg, …)` into the target and the raw argument texts, respecting nesting, strings,
 * chars and `//` comments (arguments may be WAVE or JSON). A bare `name` is a call without arguments.
 */
export function parseCall(text: string): ParsedCall {
  const open = text.indexOf('(');
  const target = (open < 0 ? text : text.slice(0, open)).trim();
  if (!target) throw syntaxError(text, Math.max(open, 0), 'expected a function name before the arguments');
  const bad = /[\s"'{},)]/.exec(target);
  if (bad) throw syntaxError(text, text.indexOf(target) + bad.index, `unexpected '${bad[0]}' in function name '${target}'`);
  if (open < 0) return { target, args: [], offsets: [] };

  const args: string[] = [];
  const offsets: number[] = [];
  const stack: { ch: string; at: number }[] = [];
  let argStart = open + 1;
  let i = open + 1;
  for (;;) {
    if (i >= text.length) {
      const unclosed = stack.length ? stack[stack.length - 1] : { ch: '(', at: open };
      throw syntaxError(text, unclosed.at, `'${unclosed.ch}' is never closed`);
    }
    const ch = text[i];
    if (ch === '"' || ch === "'") { i = skipQuoted(text, i); continue; }
    if (text.startsWith('//', i)) { i = lineEnd(text, i); continue; }
    if (ch in CLOSERS) stack.push({ ch, at: i });
    else if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack.pop();
      if (!top && ch === ')') break;
      if (!top || CLOSERS[top.ch] !== ch) throw syntaxError(text, i, `'${ch}' does not close ${top ? `'${top.ch}'` : 'anything'}`);
    } else if (ch === ',' && stack.length === 0) {
      args.push(argument(text, argStart, i));
      offsets.push(argStart + leadingSpace(text.slice(argStart, i)));
      argStart = i + 1;
    }
    i++;
  }
  // An empty last segment is `f()` or a trailing comma.
  if (withoutComments(text.slice(argStart, i)).trim()) {
    args.push(text.slice(argStart, i).trim());
    offsets.push(argStart + leadingSpace(text.slice(argStart, i)));
  }
  const rest = withoutComments(text.slice(i + 1));
  if (rest.trim()) throw syntaxError(text, i + 1 + rest.search(/\S/), "unexpected text after the closing ')'");
  return { target, args, offsets };
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

function argument(text: string, start: number, end: number): string {
  const raw = text.slice(start, end);
  if (!withoutComments(raw).trim()) throw syntaxError(text, end, 'empty argument');
  return raw.trim();
}

function lineEnd(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl;
}

/** Offset just after the string or char literal starting at `i` (`"""` strings included). */
function skipQuoted(text: string, i: number): number {
  const quote = text[i];
  if (text.startsWith('"""', i)) {
    const close = text.indexOf('"""', i + 3);
    if (close < 0) throw syntaxError(text, i, 'unterminated multi-line string');
    return close + 3;
  }
  for (let j = i + 1; j < text.length && text[j] !== '\n'; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === quote) return j + 1;
  }
  throw syntaxError(text, i, `unterminated ${quote === '"' ? 'string' : 'char'} literal`);
}

function withoutComments(text: string): string {
  return text.replace(/\/\/[^\n]*/g, (c) => ' '.repeat(c.length));
}

/**
 * Parses each argument's WAVE text against the function's params; trailing option params may be
 * left out (none). Given the whole `call` (parseCall's result and text), error positions count
 * from the start of the call, as parseCall's own errors do.
 */
export function parseWaveArgs(args: string[], params: WitParam[], call?: { text: string; offsets: number[] }): unknown[] {
  const signature = `(${params.map((p) => `${p.name}: ${describeType(p.type)}`).join(', ')})`;
  if (args.length > params.length) {
    throw new WasmhostError('bad-input', `too many arguments: expected ${params.length} ${signature}, got ${args.length}`);
  }
  return params.map((param, i) => {
    const where = `argument ${i + 1} (${param.name})`;
    if (i >= args.length) {
      if (param.type.kind === 'option') return makeOption(param.type, false);
      throw new WasmhostError('bad-input', `missing ${where}: expected ${params.length} ${signature}, got ${args.length}`);
    }
    try {
      return parseWave(call ? inPlace(call.text, call.offsets[i], args[i]) : args[i], param.type);
    } catch (error) {
      if (!(error instanceof WasmhostError)) throw error;
      const data = { ...(error.data as object | undefined), argument: param.name };
      throw new WasmhostError(error.code, `${where}: ${error.message}`, { cause: error, data });
    }
  });
}

/** The argument where it stands in the call: everything before it blanked (newlines and code-point count kept). */
function inPlace(text: string, offset: number, arg: string): string {
  return text.slice(0, offset).replace(/[^\n]/gu, ' ') + arg;
}
