// Which resource types cross between a workload worker and the host thread. The host keeps
// every resource object in a table and the worker holds handles (worker-resources.ts,
// resource-table.ts); both sides name a type by its number in `ResourceTypes.keys`.
import type { WitFunction, WitInterface, WitType } from '../component/wit-types.js';
import { unversioned } from '../capabilities/build-imports.js';

/** A resource type a forwarded interface defines: the worker gets a stand-in class of this name. */
export interface ForwardedResource {
  /** Its number on the wire. */
  type: number;
  /** The WIT name (`request-options`). */
  name: string;
  /** jco's class name in the import object (`RequestOptions`). */
  js: string;
}

/** The resource types of a component's forwarded imports, numbered. */
export interface ResourceTypes {
  /** `wasi:keyvalue/store#bucket` (unversioned interface, `#`, resource) by type number. */
  keys: string[];
}

/** A resource parameter the host checks before running a forwarded function. */
export interface ResourceParam {
  index: number;
  type: number;
  /** An own handle moves to the host: the host's table forgets it after the call. */
  own: boolean;
  /** The handle may be absent (`option<own<r>>`). */
  optional: boolean;
}

/** jco's class name of a resource: `request-options` → `RequestOptions`. */
export function resourceClassName(resource: string): string {
  return resource.replace(/(^|-)([a-zA-Z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase());
}

/** `iface#resource` for the resource named `name` where interface `iface` uses it (following `use`). */
export function resourceKey(iface: WitInterface, name: string): string {
  const def = iface.types.find((t) => t.name === name);
  const from = def?.from;
  return `${unversioned(from?.interface ?? iface.name)}#${from?.name ?? name}`;
}

/** Numbers the resources the forwarded interfaces define, and lists each interface's. */
export function numberResources(interfaces: readonly WitInterface[]): { types: ResourceTypes; defined: Map<string, ForwardedResource[]> } {
  const keys: string[] = [];
  const defined = new Map<string, ForwardedResource[]>();
  for (const iface of interfaces) {
    const own = iface.types.filter((t) => t.type.kind === 'resource' && !t.from);
    defined.set(unversioned(iface.name), own.map((t) => {
      keys.push(`${unversioned(iface.name)}#${t.name}`);
      return { type: keys.length - 1, name: t.name, js: resourceClassName(t.name) };
    }));
  }
  return { types: { keys }, defined };
}

/** The resources a function's parameters pass at top level (or in an option), for the host's checks. */
export function resourceParams(iface: WitInterface, fn: WitFunction, types: ResourceTypes): ResourceParam[] {
  const params: ResourceParam[] = [];
  fn.params.forEach((p, index) => {
    const optional = p.type.kind === 'option';
    const t: WitType = p.type.kind === 'option' ? p.type.type : p.type;
    if (t.kind !== 'own' && t.kind !== 'borrow') return;
    params.push({ index, type: types.keys.indexOf(resourceKey(iface, t.resource)), own: t.kind === 'own', optional });
  });
  return params;
}

/** Whether a WIT type contains a resource handle (or another value that cannot be copied). */
export function typeHasResource(type: WitType): boolean {
  switch (type.kind) {
    case 'own': case 'borrow': case 'future': case 'stream': case 'error-context': return true;
    case 'list': case 'option': return typeHasResource(type.kind === 'list' ? type.element : type.type);
    case 'tuple': return type.types.some(typeHasResource);
    case 'record': return type.fields.some((f) => typeHasResource(f.type));
    case 'variant': return type.cases.some((c) => c.type !== undefined && typeHasResource(c.type));
    case 'result': return (type.ok !== undefined && typeHasResource(type.ok)) || (type.err !== undefined && typeHasResource(type.err));
    default: return false;
  }
}

/** Whether a function is a resource function or passes a resource (or a stream, future…). */
export function usesResources(fn: WitFunction): boolean {
  return fn.name.startsWith('[') || fn.params.some((p) => typeHasResource(p.type)) || (fn.result !== undefined && typeHasResource(fn.result));
}

/** The resources a type names that are not `own`/`borrow` handles (streams, futures): these cannot cross. */
export function typeHasAsync(type: WitType): boolean {
  switch (type.kind) {
    case 'future': case 'stream': case 'error-context': return true;
    case 'list': case 'option': return typeHasAsync(type.kind === 'list' ? type.element : type.type);
    case 'tuple': return type.types.some(typeHasAsync);
    case 'record': return type.fields.some((f) => typeHasAsync(f.type));
    case 'variant': return type.cases.some((c) => c.type !== undefined && typeHasAsync(c.type));
    case 'result': return (type.ok !== undefined && typeHasAsync(type.ok)) || (type.err !== undefined && typeHasAsync(type.err));
    default: return false;
  }
}

/** Every resource a type names (own or borrow), as `iface#name` keys. */
export function resourcesIn(iface: WitInterface, type: WitType, out: Set<string> = new Set()): Set<string> {
  switch (type.kind) {
    case 'own': case 'borrow': out.add(resourceKey(iface, type.resource)); break;
    case 'list': resourcesIn(iface, type.element, out); break;
    case 'option': resourcesIn(iface, type.type, out); break;
    case 'tuple': type.types.forEach((t) => resourcesIn(iface, t, out)); break;
    case 'record': type.fields.forEach((f) => resourcesIn(iface, f.type, out)); break;
    case 'variant': type.cases.forEach((c) => c.type && resourcesIn(iface, c.type, out)); break;
    case 'result': if (type.ok) resourcesIn(iface, type.ok, out); if (type.err) resourcesIn(iface, type.err, out); break;
    default: break;
  }
  return out;
}
