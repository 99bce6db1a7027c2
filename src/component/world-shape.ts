// Whether a value parsed from outside (a cached world, world-entry.ts) has the shape of a
// ComponentWorld (wit-types.ts): every item, type, function and name, checked all the way down.
import type { ComponentWorld } from './wit-types.js';

type Obj = Record<string, unknown>;

const PRIMITIVES = new Set(['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64', 'char', 'string']);
const FUNCTION_KINDS = new Set(['constructor', 'method', 'static']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const opt = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const all = (v: unknown, check: (v: unknown) => boolean) => Array.isArray(v) && v.every(check);
const named = (v: Obj) => opt(v.name, isStr);

function isType(v: unknown, depth = 0): boolean {
  if (!isObj(v) || depth > 256) return false;
  const sub = (t: unknown) => isType(t, depth + 1);
  switch (v.kind) {
    case 'primitive': return PRIMITIVES.has(v.name as string) && opt(v.alias, isStr);
    case 'list': return sub(v.element) && opt(v.length, Number.isSafeInteger) && named(v);
    case 'tuple': return all(v.types, sub) && named(v);
    case 'record': return all(v.fields, (f) => isObj(f) && isStr(f.name) && sub(f.type)) && named(v);
    case 'variant': return all(v.cases, (c) => isObj(c) && isStr(c.name) && opt(c.type, sub)) && named(v);
    case 'enum': return all(v.cases, isStr) && named(v);
    case 'flags': return all(v.flags, isStr) && named(v);
    case 'option': return sub(v.type) && named(v);
    case 'result': return opt(v.ok, sub) && opt(v.err, sub) && named(v);
    case 'own': case 'borrow': return isStr(v.resource);
    case 'future': case 'stream': return opt(v.type, sub) && named(v);
    case 'error-context': return true;
    default: return false;
  }
}

function isFunction(v: unknown): boolean {
  return isObj(v) && isStr(v.name) && all(v.params, (p) => isObj(p) && isStr(p.name) && isType(p.type))
    && opt(v.result, isType) && opt(v.async, (a) => typeof a === 'boolean')
    && opt(v.kind, (k) => FUNCTION_KINDS.has(k as string)) && opt(v.resource, isStr);
}

function isTypeDef(v: unknown): boolean {
  return isObj(v) && isStr(v.name)
    && (isType(v.type) || (isObj(v.type) && v.type.kind === 'resource'))
    && opt(v.from, (f) => isObj(f) && isStr(f.name) && opt(f.interface, isStr));
}

function isInterface(v: unknown): boolean {
  return isObj(v) && isStr(v.name) && isStr(v.interfaceName) && all(v.types, isTypeDef) && all(v.functions, isFunction)
    && opt(v.package, (p) => isObj(p) && isStr(p.namespace) && isStr(p.name) && opt(p.version, isStr));
}

function isItem(v: unknown): boolean {
  if (!isObj(v)) return false;
  switch (v.kind) {
    case 'interface': return isInterface(v.interface);
    case 'function': return isFunction(v.function);
    case 'type': return isTypeDef(v.type);
    default: return false;
  }
}

/** True when `v` is a ComponentWorld in every detail the host reads. */
export function isComponentWorld(v: unknown): v is ComponentWorld {
  return isObj(v) && all(v.imports, isItem) && all(v.exports, isItem);
}
