// The interface versions wasmhost's providers offer come from the WIT vendored in wit/deps/
// (vendored-wit.ts, generated from it), and so does the shape an unversioned import is checked against.
import type { WitFunction, WitInterface, WitType } from '../component/wit-types.js';
import type { GrantKey } from './grants.js';
import type { InterfaceOffer } from './provider.js';
import { VENDORED_INTERFACES } from './vendored-wit.js';

/** `pkg/iface` without version (`wasi:keyvalue/store`) of a vendored interface. */
function unversionedName(i: WitInterface): string {
  return `${i.package!.namespace}:${i.package!.name}/${i.interfaceName}`;
}

/**
 * Offers of the named interfaces of a package (`wasi:keyvalue`, `['store', 'atomics', 'batch']`)
 * at every version vendored in wit/deps/, newest vendored first as wit/deps/ lists them.
 */
export function vendoredOffers(pkg: string, interfaces: readonly string[], grant?: GrantKey): InterfaceOffer[] {
  return VENDORED_INTERFACES
    .filter((i) => `${i.package?.namespace}:${i.package?.name}` === pkg && interfaces.includes(i.interfaceName))
    .map((i) => ({ name: unversionedName(i), version: i.package?.version, ...(grant ? { grant } : {}) }));
}

/** The vendored shape of an offered interface at a version. */
export function vendoredShape(name: string, version: string | undefined): WitInterface | undefined {
  return VENDORED_INTERFACES.find((i) => unversionedName(i) === name && i.package?.version === version);
}

/**
 * How the functions a component imports differ from an offered interface's (first difference),
 * or undefined when the offer has each of them with the same parameter and result types.
 */
export function shapeDifference(imported: WitInterface, offered: WitInterface): string | undefined {
  for (const f of imported.functions) {
    const g = offered.functions.find((o) => o.name === f.name);
    if (!g) return `it has no function ${f.name}`;
    if (signature(f) !== signature(g)) return `${f.name} has another signature`;
  }
  return undefined;
}

/** Parameter and result types, without names that do not reach the canonical ABI (parameter and type names). */
function signature(f: WitFunction): string {
  return JSON.stringify({ params: f.params.map((p) => bare(p.type)), result: f.result && bare(f.result), async: f.async ?? false });
}

/** A type as the host and guest exchange it: structure, field and case names (jco uses them), no type names. */
function bare(t: WitType): unknown {
  switch (t.kind) {
    case 'primitive': return t.name;
    case 'list': return ['list', bare(t.element), t.length];
    case 'tuple': return ['tuple', t.types.map(bare)];
    case 'record': return ['record', t.fields.map((f) => [f.name, bare(f.type)])];
    case 'variant': return ['variant', t.cases.map((c) => [c.name, c.type && bare(c.type)])];
    case 'enum': return ['enum', t.cases];
    case 'flags': return ['flags', t.flags];
    case 'option': return ['option', bare(t.type)];
    case 'result': return ['result', t.ok && bare(t.ok), t.err && bare(t.err)];
    case 'own': case 'borrow': return [t.kind, t.resource];
    case 'future': case 'stream': return [t.kind, t.type && bare(t.type)];
    case 'error-context': return 'error-context';
  }
}
