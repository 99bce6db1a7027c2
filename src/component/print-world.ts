// Prints a component's world as a WIT document that WIT tools accept (`wasmhost inspect`):
// `package root:component;`, a `world root` naming its imports and exports, then one
// nested `package … { interface … }` block per package those interfaces come from.

import { parseInterfaceName } from './decode/names.js';
import { printFunction, printTypeDef, witId } from './print-wit.js';
import type { ComponentWorld, WitFunction, WitInterface, WitPackageId, WitTypeDef, WorldItem } from './wit-types.js';

/** Prints a whole world: imports, then exports, then the interfaces they name, with their types and functions. */
export function printWorld(w: ComponentWorld): string {
  const packages = new Map<string, Map<string, WitInterface>>();
  for (const item of [...w.imports, ...w.exports]) if (item.kind === 'interface') addInterface(packages, item.interface);
  addUsedOnly(packages, w);
  const lines = ['package root:component;', '', 'world root {'];
  printItems(w.imports, 'import', lines);
  printItems(w.exports, 'export', lines);
  lines.push('}');
  for (const [pkg, interfaces] of packages) {
    lines.push('', `package ${pkg} {`);
    [...interfaces.values()].forEach((i, n) => {
      if (n > 0) lines.push('');
      lines.push(...printBody(`interface ${witId(i.interfaceName)}`, { ...i, types: i.types.map((t) => localUse(t, pkg)) }, '  '));
    });
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}

/** A `use` of an interface in package `pkg` itself, as WIT writes it there (`use error.{error}`): a full path would be a cycle. */
function localUse(t: WitTypeDef, pkg: string): WitTypeDef {
  const origin = t.from?.interface === undefined ? undefined : parseInterfaceName(t.from.interface);
  if (t.from === undefined || origin === undefined || packageKey(origin.package) !== pkg) return t;
  return { ...t, from: { interface: witId(origin.interfaceName), name: t.from.name } };
}

/** Adds an interface to its package; an interface both imported and exported is declared once, with the union of both. */
function addInterface(packages: Map<string, Map<string, WitInterface>>, i: WitInterface): void {
  if (i.package === undefined) return;
  const key = packageKey(i.package);
  const interfaces = packages.get(key) ?? new Map<string, WitInterface>();
  packages.set(key, interfaces);
  const seen = interfaces.get(i.interfaceName);
  if (seen === undefined) return void interfaces.set(i.interfaceName, { ...i, types: [...i.types], functions: [...i.functions] });
  for (const t of i.types) if (!seen.types.some((s) => s.name === t.name)) seen.types.push(t);
  for (const f of i.functions) if (!seen.functions.some((s) => s.name === f.name)) seen.functions.push(f);
}

/** Declares the types that `use`s name in interfaces the world does not import or export itself. */
function addUsedOnly(packages: Map<string, Map<string, WitInterface>>, w: ComponentWorld): void {
  const defs = [...w.imports, ...w.exports].flatMap((item) =>
    item.kind === 'interface' ? item.interface.types : item.kind === 'type' ? [item.type] : []);
  for (const def of defs) {
    const origin = def.from?.interface;
    const parsed = origin === undefined ? undefined : parseInterfaceName(origin);
    if (def.from === undefined || parsed === undefined) continue;
    const declared = packages.get(packageKey(parsed.package))?.get(parsed.interfaceName);
    if (declared?.types.some((t) => t.name === def.from?.name)) continue;
    const type: WitTypeDef = { name: def.from.name, type: def.type };
    addInterface(packages, { name: origin as string, ...parsed, types: [type], functions: [] });
  }
}

/** An interface defined by a package, as its `interface name { … }` block. */
export function printInterfaceBlock(i: WitInterface): string[] {
  return printBody(`interface ${witId(i.interfaceName)}`, i, '');
}

/** A world defined by a package, as its `world name { … }` block; interfaces of package `pkg` are named short. */
export function printWorldBlock(name: string, w: ComponentWorld, pkg: WitPackageId | undefined): string[] {
  const short = (items: WorldItem[]) => items.map((item) =>
    item.kind === 'interface' && pkg !== undefined && item.interface.package !== undefined
      && packageKey(item.interface.package) === packageKey(pkg)
      ? { ...item, interface: { ...item.interface, name: witId(item.interface.interfaceName) } } : item);
  const lines: string[] = [];
  printItems(short(w.imports), 'import', lines);
  printItems(short(w.exports), 'export', lines);
  return lines.length === 0 ? [`world ${witId(name)} {}`] : [`world ${witId(name)} {`, ...lines, '}'];
}

export function packageKey(p: WitPackageId): string {
  return `${p.namespace}:${p.name}${p.version === undefined ? '' : `@${p.version}`}`;
}

/** The lines of a `head { … }` block holding an interface's types and functions, at `indent`. */
function printBody(head: string, i: WitInterface, indent: string): string[] {
  if (i.types.length === 0 && i.functions.length === 0) return [`${indent}${head} {}`];
  const out = [`${indent}${head} {`];
  printMembers(i.types, i.functions, `${indent}  `, out);
  out.push(`${indent}}`);
  return out;
}

/** Types (resources with their functions) then the other functions. */
function printMembers(types: WitTypeDef[], funcs: WitFunction[], indent: string, out: string[]): void {
  const owned = methodsByResource(types, funcs);
  for (const t of types) out.push(...printTypeDef(t, owned.get(t.name), indent));
  for (const f of funcs) if (!isOwned(f, owned)) out.push(`${indent}${printFunction(f)};`);
}

function printItems(items: WorldItem[], word: string, out: string[]): void {
  const types = items.flatMap((i) => (i.kind === 'type' ? [i.type] : []));
  const funcs = items.flatMap((i) => (i.kind === 'function' ? [i.function] : []));
  const owned = methodsByResource(types, funcs);
  for (const item of items) {
    if (item.kind === 'interface') {
      const i = item.interface;
      if (i.package !== undefined) out.push(`  ${word} ${i.name};`);
      else out.push(...printBody(`${word} ${witId(i.name)}: interface`, i, '  '));
    } else if (item.kind === 'type') out.push(...printTypeDef(item.type, owned.get(item.type.name), '  '));
    else if (!isOwned(item.function, owned)) out.push(`  ${word} ${printFunction(item.function)};`);
  }
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
