// WAVE text to a component value in jco's JavaScript representation, checked against
// its WIT type, with errors that name the position, the expected type and the path.

import { withArticle } from '../article.js';
import type { WitCase, WitPrimitive, WitType } from './wit-types.js';
import {
  intRangeProblem, makeFlags, makeInt, makeList, makeOption, makeRecord, makeResult, makeVariant,
} from './jco-values.js';
import { badInput, describeType, type PathStep, type ValuePath } from './value-types.js';
import { positionText } from './wave-lexer.js';
import { parseWaveSyntax, type WaveNode } from './wave-syntax.js';

type Of<K extends WitType['kind']> = Extract<WitType, { kind: K }>;

interface Ctx { src: string; path: ValuePath }

/** Parses WAVE text (`{a: 1, b: [2, 3]}`, `some("x")`, …) into a value of the given WIT type, as jco represents it. */
export function parseWave(text: string, type: WitType): unknown {
  return convert(parseWaveSyntax(text), type, { src: text, path: [] });
}

function fail(ctx: Ctx, at: number, message: string): Error {
  return badInput(ctx.path, `${message} at ${positionText(ctx.src, at)}`, { offset: at });
}

function mismatch(ctx: Ctx, node: WaveNode, type: WitType, note = ''): Error {
  return fail(ctx, node.start, `expected ${describeType(type)}, got ${describeNode(node)}${note}`);
}

function child(ctx: Ctx, step: PathStep): Ctx {
  return { src: ctx.src, path: [...ctx.path, step] };
}

function describeNode(node: WaveNode): string {
  switch (node.kind) {
    case 'number': return node.text;
    case 'bool': return String(node.value);
    case 'char': return `char ${JSON.stringify(node.value).replace(/^"|"$/g, "'")}`;
    case 'string': return `string ${JSON.stringify(node.value.length > 30 ? node.value.slice(0, 27) + '...' : node.value)}`;
    case 'case': return node.payload ? `${node.name}(…)` : `'${node.name}'`;
    case 'tuple': return `a tuple of ${node.items.length}`;
    case 'list': return `a list of ${node.items.length}`;
    case 'record': return 'a record';
    case 'flags': return node.flags.length ? 'flags' : '{}';
  }
}

function convert(node: WaveNode, type: WitType, ctx: Ctx): unknown {
  switch (type.kind) {
    case 'primitive': return primitive(node, type.name, ctx);
    case 'list': {
      if (node.kind !== 'list') throw mismatch(ctx, node, type);
      if (type.length !== undefined && node.items.length !== type.length) {
        throw fail(ctx, node.start, `expected ${describeType(type)} of ${type.length} elements, got ${node.items.length}`);
      }
      return makeList(type.element, node.items.map((n, i) => convert(n, type.element, child(ctx, { index: i }))));
    }
    case 'tuple': {
      if (node.kind !== 'tuple') throw mismatch(ctx, node, type);
      if (node.items.length !== type.types.length) {
        throw fail(ctx, node.start, `expected ${describeType(type)} with ${type.types.length} elements, got ${node.items.length}`);
      }
      return node.items.map((n, i) => convert(n, type.types[i], child(ctx, { index: i })));
    }
    case 'record': return record(node, type, ctx);
    case 'variant': {
      const [wcase, payload] = caseOf(node, type, type.cases, ctx);
      return makeVariant(wcase, wcase.type && convert(payload as WaveNode, wcase.type, child(ctx, { case: wcase.name })));
    }
    case 'enum': return caseOf(node, type, type.cases.map((name) => ({ name })), ctx)[0].name;
    case 'flags': return flags(node, type, ctx);
    case 'option': return option(node, type, ctx);
    case 'result': return result(node, type, ctx);
    default: throw fail(ctx, node.start, `${withArticle(describeType(type))} value cannot be written in WAVE`);
  }
}

function primitive(node: WaveNode, name: WitPrimitive, ctx: Ctx): unknown {
  const type: WitType = { kind: 'primitive', name };
  switch (name) {
    case 'bool':
      if (node.kind !== 'bool') throw mismatch(ctx, node, type);
      return node.value;
    case 'char': case 'string':
      if (node.kind !== name) throw mismatch(ctx, node, type);
      return node.value;
    case 'f32': case 'f64': {
      if (node.kind !== 'number') throw mismatch(ctx, node, type);
      const text = node.text;
      const n = text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text === 'nan' ? NaN : Number(text);
      return name === 'f32' ? Math.fround(n) : n;
    }
    default: {
      if (node.kind !== 'number') throw mismatch(ctx, node, type);
      if (!/^-?[0-9]+$/.test(node.text)) throw mismatch(ctx, node, type, ' (not an integer)');
      const big = BigInt(node.text);
      const problem = intRangeProblem(big, name);
      if (problem) throw mismatch(ctx, node, type, ` (${problem})`);
      return makeInt(big, name);
    }
  }
}

function record(node: WaveNode, type: Of<'record'>, ctx: Ctx): unknown {
  const empty = node.kind === 'flags' && node.flags.length === 0;
  if (node.kind !== 'record' && !empty) throw mismatch(ctx, node, type);
  const given = new Map<string, WaveNode>();
  for (const { label, value } of node.kind === 'record' ? node.fields : []) {
    if (!type.fields.some((f) => f.name === label.name)) {
      const valid = type.fields.map((f) => f.name).join(', ');
      throw fail(ctx, label.start, `unknown field '${label.name}' for ${describeType(type)} (valid: ${valid})`);
    }
    given.set(label.name, value);
  }
  return makeRecord(type, type.fields.map((field) => {
    const value = given.get(field.name);
    if (value) return convert(value, field.type, child(ctx, { field: field.name }));
    if (field.type.kind === 'option') return makeOption(field.type, false);
    throw fail(ctx, node.start, `missing field '${field.name}' (${describeType(field.type)}) of ${describeType(type)}`);
  }));
}

/** The case a node names (keywords `true`, `ok`, `inf`… are accepted as case names too) and its payload. */
function caseOf(node: WaveNode, type: WitType, cases: WitCase[], ctx: Ctx): [WitCase, WaveNode | undefined] {
  const named = node.kind === 'case' ? node : node.kind === 'bool' ? { name: String(node.value), payload: undefined }
    : node.kind === 'number' && (node.text === 'inf' || node.text === 'nan') ? { name: node.text, payload: undefined }
    : undefined;
  if (!named) throw mismatch(ctx, node, type);
  const wcase = cases.find((c) => c.name === named.name);
  if (!wcase) {
    const valid = cases.map((c) => c.name).join(', ');
    throw fail(ctx, node.start, `unknown case '${named.name}' for ${describeType(type)} (valid: ${valid})`);
  }
  checkPayload(ctx, node, wcase.name, wcase.type, named.payload);
  return [wcase, named.payload];
}

function checkPayload(ctx: Ctx, node: WaveNode, name: string, type: WitType | undefined, payload?: WaveNode): void {
  if (type && !payload) throw fail(ctx, node.start, `case '${name}' needs a payload: ${name}(${describeType(type)})`);
  if (!type && payload) throw fail(ctx, node.start, `case '${name}' takes no payload`);
}

function flags(node: WaveNode, type: Of<'flags'>, ctx: Ctx): unknown {
  const empty = node.kind === 'record' && node.fields.length === 0;
  if (node.kind !== 'flags' && !empty) throw mismatch(ctx, node, type);
  const set = new Set<string>();
  for (const label of node.kind === 'flags' ? node.flags : []) {
    if (!type.flags.includes(label.name)) {
      throw fail(ctx, label.start, `unknown flag '${label.name}' for ${describeType(type)} (valid: ${type.flags.join(', ')})`);
    }
    set.add(label.name);
  }
  return makeFlags(type, set);
}

/** `some(x)` / `none`, or a bare payload when the payload type is not itself an option or result. */
function option(node: WaveNode, type: Of<'option'>, ctx: Ctx): unknown {
  if (node.kind === 'case' && node.keyword && (node.name === 'some' || node.name === 'none')) {
    return makeOption(type, node.name === 'some', node.payload && convert(node.payload, type.type, ctx));
  }
  if (type.type.kind === 'option' || type.type.kind === 'result') throw mismatch(ctx, node, type, ' (write some(…) or none)');
  return makeOption(type, true, convert(node, type.type, ctx));
}

/** `ok`, `ok(x)`, `err`, `err(e)`, or a bare ok payload when it is not itself an option or result. */
function result(node: WaveNode, type: Of<'result'>, ctx: Ctx): unknown {
  if (node.kind === 'case' && node.keyword && (node.name === 'ok' || node.name === 'err')) {
    const payloadType = node.name === 'ok' ? type.ok : type.err;
    checkPayload(ctx, node, node.name, payloadType, node.payload);
    return makeResult(node.name === 'ok', payloadType && convert(node.payload as WaveNode, payloadType, child(ctx, { case: node.name })));
  }
  if (!type.ok || type.ok.kind === 'option' || type.ok.kind === 'result') throw mismatch(ctx, node, type, ' (write ok(…) or err(…))');
  return makeResult(true, convert(node, type.ok, child(ctx, { case: 'ok' })));
}
