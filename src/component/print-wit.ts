// Prints the WIT model as WIT text: types as they are written in WIT (`list<u8>`,
// `result<_, string>`, named types and aliases by name), functions as WIT lines, and
// type definitions as WIT declarations (print-world.ts assembles whole documents).

import type { WitFunction, WitType, WitTypeDef } from './wit-types.js';

/** Prints a type in WIT syntax; a named type prints as its name. */
export function printType(t: WitType): string {
  if (t.kind === 'primitive') return t.alias === undefined ? t.name : witId(t.alias);
  if ('name' in t && t.name !== undefined) return witId(t.name);
  return printBody(t);
}

const KEYWORDS = new Set([
  'as', 'async', 'bool', 'borrow', 'char', 'constructor', 'enum', 'error-context', 'export', 'f32', 'f64', 'flags', 'float32', 'float64',
  'from', 'func', 'future', 'import', 'include', 'interface', 'list', 'option', 'own', 'package', 'record', 'resource', 'result',
  's16', 's32', 's64', 's8', 'static', 'stream', 'string', 'tuple', 'type', 'u16', 'u32', 'u64', 'u8', 'use', 'variant', 'with', 'world', '_',
]);

/** A WIT identifier as written in WIT: keywords are escaped with `%`. */
export function witId(name: string): string {
  return KEYWORDS.has(name) ? `%${name}` : name;
}

/** Prints a type's structure, ignoring its own name (its parts still print by name). */
function printBody(t: WitType): string {
  switch (t.kind) {
    case 'primitive': return t.name;
    case 'list': return t.length === undefined ? `list<${printType(t.element)}>` : `list<${printType(t.element)}, ${t.length}>`;
    case 'tuple': return `tuple<${t.types.map(printType).join(', ')}>`;
    case 'option': return `option<${printType(t.type)}>`;
    case 'result':
      if (t.err !== undefined) return `result<${t.ok === undefined ? '_' : printType(t.ok)}, ${printType(t.err)}>`;
      return t.ok === undefined ? 'result' : `result<${printType(t.ok)}>`;
    case 'own': return witId(t.resource);
    case 'borrow': return `borrow<${witId(t.resource)}>`;
    case 'future': case 'stream': return t.type === undefined ? t.kind : `${t.kind}<${printType(t.type)}>`;
    case 'error-context': return 'error-context';
    case 'record': return `record { ${t.fields.map((f) => `${witId(f.name)}: ${printType(f.type)}`).join(', ')} }`;
    case 'variant': return `variant { ${t.cases.map(printCase).join(', ')} }`;
    case 'enum': return `enum { ${t.cases.map(witId).join(', ')} }`;
    case 'flags': return `flags { ${t.flags.map(witId).join(', ')} }`;
  }
}

function printCase(c: { name: string; type?: WitType }): string {
  return c.type === undefined ? witId(c.name) : `${witId(c.name)}(${printType(c.type)})`;
}

/** Legacy named multiple results decode as an unnamed record; WIT wrote them `-> (a: u32, b: string)`. */
function printResult(t: WitType): string {
  if (t.kind === 'record' && t.name === undefined) return `(${t.fields.map((f) => `${witId(f.name)}: ${printType(f.type)}`).join(', ')})`;
  return printType(t);
}

/**
 * Prints a function as its WIT line, without the `;`: `name: func(a: u32) -> string`.
 * Resource functions print as inside their `resource` block: `constructor(a: s32)`,
 * `get-a: func() -> s32` (the `self` parameter is implicit), `add: static func(…)`.
 */
export function printFunction(f: WitFunction): string {
  const params = (f.kind === 'method' && f.params[0]?.name === 'self' ? f.params.slice(1) : f.params)
    .map((p) => `${witId(p.name)}: ${printType(p.type)}`).join(', ');
  const result = f.result === undefined ? '' : ` -> ${printResult(f.result)}`;
  const asyncWord = f.async ? 'async ' : '';
  if (f.kind === 'constructor') {
    const plain = f.result?.kind === 'own' && f.result.resource === f.resource;
    return `constructor(${params})${plain ? '' : result}`;
  }
  const dot = f.name.indexOf('.');
  const short = f.kind !== undefined && dot >= 0 ? f.name.slice(dot + 1) : f.name;
  const staticWord = f.kind === 'static' ? 'static ' : '';
  return `${witId(short)}: ${staticWord}${asyncWord}func(${params})${result}`;
}

/**
 * Prints one type definition as WIT lines at `indent`: `record r { … }`, `resource x { … }`
 * with its `methods`, `use i.{t};`, `type t = …;`.
 */
export function printTypeDef(t: WitTypeDef, methods: WitFunction[] | undefined, indent: string): string[] {
  const name = witId(t.name);
  if (t.from?.interface !== undefined) {
    const as = t.from.name === t.name ? name : `${witId(t.from.name)} as ${name}`;
    return [`${indent}use ${t.from.interface}.{${as}};`];
  }
  if (t.from !== undefined) return [`${indent}type ${name} = ${witId(t.from.name)};`];
  const ty = t.type;
  if (ty.kind === 'resource') {
    if (methods === undefined || methods.length === 0) return [`${indent}resource ${name};`];
    return [`${indent}resource ${name} {`, ...methods.map((m) => `${indent}  ${printFunction(m)};`), `${indent}}`];
  }
  const own = ty.kind === 'primitive' ? ty.alias === t.name : 'name' in ty && ty.name === t.name;
  const members = !own ? undefined
    : ty.kind === 'record' ? ty.fields.map((f) => `${witId(f.name)}: ${printType(f.type)}`)
    : ty.kind === 'variant' ? ty.cases.map(printCase)
    : ty.kind === 'enum' ? ty.cases.map(witId)
    : ty.kind === 'flags' ? ty.flags.map(witId)
    : undefined;
  if (members !== undefined && (ty.kind === 'enum' || ty.kind === 'flags') && members.join(', ').length <= 60) {
    return [`${indent}${ty.kind} ${name} { ${members.join(', ')} }`];
  }
  if (members !== undefined) return [`${indent}${ty.kind} ${name} {`, ...members.map((m) => `${indent}  ${m},`), `${indent}}`];
  return [`${indent}type ${name} = ${own ? printBody(ty) : printType(ty)};`];
}
