// Prints the WIT model as WIT text: types as they are written in WIT (`list<u8>`,
// `result<_, string>`, named types by name), functions as WIT lines, and a whole
// world as a readable WIT-like listing (used by `wasmhost inspect`).

import type { ComponentWorld, WitFunction, WitInterface, WitType, WitTypeDef, WorldItem } from './wit-types.js';

/** Prints a type in WIT syntax; a named type prints as its name. */
export function printType(t: WitType): string {
  if ('name' in t && t.name !== undefined && t.kind !== 'primitive') return t.name;
  return printBody(t);
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
    case 'own': return t.resource;
    case 'borrow': return `borrow<${t.resource}>`;
    case 'future': case 'stream': return t.type === undefined ? t.kind : `${t.kind}<${printType(t.type)}>`;
    case 'error-context': return 'error-context';
    case 'record': return `record { ${t.fields.map((f) => `${f.name}: ${printType(f.type)}`).join(', ')} }`;
    case 'variant': return `variant { ${t.cases.map(printCase).join(', ')} }`;
    case 'enum': return `enum { ${t.cases.join(', ')} }`;
    case 'flags': return `flags { ${t.flags.join(', ')} }`;
  }
}

function printCase(c: { name: string; type?: WitType }): string {
  return c.type === undefined ? c.name : `${c.name}(${printType(c.type)})`;
}

/** Legacy named multiple results decode as an unnamed record; WIT wrote them `-> (a: u32, b: string)`. */
function printResult(t: WitType): string {
  if (t.kind === 'record' && t.name === undefined) return `(${t.fields.map((f) => `${f.name}: ${printType(f.type)}`).join(', ')})`;
  return printType(t);
}

/**
 * Prints a function as its WIT line, without the `;`: `name: func(a: u32) -> string`.
 * Resource functions print as inside their `resource` block: `constructor(a: s32)`,
 * `get-a: func() -> s32` (the `self` parameter is implicit), `add: static func(…)`.
 */
export function printFunction(f: WitFunction): string {
  const params = (f.kind === 'method' && f.params[0]?.name === 'self' ? f.params.slice(1) : f.params)
    .map((p) => `${p.name}: ${printType(p.type)}`).join(', ');
  const result = f.result === undefined ? '' : ` -> ${printResult(f.result)}`;
  const asyncWord = f.async ? 'async ' : '';
  if (f.kind === 'constructor') {
    const plain = f.result?.kind === 'own' && f.result.resource === f.resource;
    return `constructor(${params})${plain ? '' : result}`;
  }
  const dot = f.name.indexOf('.');
  const short = f.kind !== undefined && dot >= 0 ? f.name.slice(dot + 1) : f.name;
  const staticWord = f.kind === 'static' ? 'static ' : '';
  return `${short}: ${staticWord}${asyncWord}func(${params})${result}`;
}

/** Prints a whole world: each import/export, interfaces with their types and functions. */
export function printWorld(w: ComponentWorld): string {
  const lines: string[] = [];
  printItems(w.imports, 'import', lines);
  printItems(w.exports, 'export', lines);
  return lines.join('\n') + '\n';
}

function printItems(items: WorldItem[], word: string, out: string[]): void {
  const types = items.flatMap((i) => (i.kind === 'type' ? [i.type] : []));
  const funcs = items.flatMap((i) => (i.kind === 'function' ? [i.function] : []));
  const owned = methodsByResource(types, funcs);
  for (const item of items) {
    if (item.kind === 'interface') printInterface(item.interface, word, out);
    else if (item.kind === 'type') printTypeDef(item.type, owned.get(item.type.name), `${word} `, '', out);
    else if (!isOwned(item.function, owned)) out.push(`${word} ${item.function.name}: ${printFunction(item.function).replace(/^[^:]*: /, '')};`);
  }
}

function printInterface(i: WitInterface, word: string, out: string[]): void {
  if (i.types.length === 0 && i.functions.length === 0) {
    out.push(`${word} ${i.name}: interface {}`);
    return;
  }
  out.push(`${word} ${i.name}: interface {`);
  const owned = methodsByResource(i.types, i.functions);
  for (const t of i.types) printTypeDef(t, owned.get(t.name), '', '  ', out);
  for (const f of i.functions) if (!isOwned(f, owned)) out.push(`  ${printFunction(f)};`);
  out.push('}');
}

/** Functions grouped under the resources (declared in the same scope) they belong to. */
function methodsByResource(types: WitTypeDef[], funcs: WitFunction[]): Map<string, WitFunction[]> {
  const out = new Map<string, WitFunction[]>();
  for (const t of types) if (t.type.kind === 'resource' && t.from === undefined) out.set(t.name, []);
  for (const f of funcs) if (f.resource !== undefined) out.get(f.resource)?.push(f);
  return out;
}

function isOwned(f: WitFunction, owned: Map<string, WitFunction[]>): boolean {
  return f.resource !== undefined && owned.has(f.resource);
}

/** Prints one type definition (`record r { … }`, `resource x { … }`, `use i.{t};`, `type t = …;`). */
function printTypeDef(t: WitTypeDef, methods: WitFunction[] | undefined, prefix: string, indent: string, out: string[]): void {
  const head = `${indent}${prefix}`;
  if (t.from?.interface !== undefined) {
    const as = t.from.name === t.name ? t.name : `${t.from.name} as ${t.name}`;
    out.push(`${head}use ${t.from.interface}.{${as}};`);
    return;
  }
  if (t.from !== undefined) {
    out.push(`${head}type ${t.name} = ${t.from.name};`);
    return;
  }
  const ty = t.type;
  if (ty.kind === 'resource') {
    if (methods === undefined || methods.length === 0) out.push(`${head}resource ${t.name};`);
    else {
      out.push(`${head}resource ${t.name} {`);
      for (const m of methods) out.push(`${indent}  ${printFunction(m)};`);
      out.push(`${indent}}`);
    }
    return;
  }
  const own = 'name' in ty && ty.name === t.name;
  const members = !own ? undefined
    : ty.kind === 'record' ? ty.fields.map((f) => `${f.name}: ${printType(f.type)}`)
    : ty.kind === 'variant' ? ty.cases.map(printCase)
    : ty.kind === 'enum' ? ty.cases
    : ty.kind === 'flags' ? ty.flags
    : undefined;
  if (members !== undefined && (ty.kind === 'enum' || ty.kind === 'flags') && members.join(', ').length <= 60) {
    out.push(`${head}${ty.kind} ${t.name} { ${members.join(', ')} }`);
    return;
  }
  if (members !== undefined) {
    out.push(`${head}${ty.kind} ${t.name} {`);
    for (const m of members) out.push(`${indent}  ${m},`);
    out.push(`${indent}}`);
    return;
  }
  out.push(`${head}type ${t.name} = ${own ? printBody(ty) : printType(ty)};`);
}
