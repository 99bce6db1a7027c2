// Runs an import the worker forwarded, on the host's import object, in jco's shape: free
// functions are properties of the interface object; a resource's constructor, methods and
// statics are on the class the provider put there (`[method]bucket.get` is `bucket.get()`).
import { WasmhostError } from '../errors.js';
import type { ImportObject } from '../component/engine.js';
import { jsName } from '../component/js-name.js';
import { resourceClassName } from './resource-plan.js';
import type { ForwardedInterface } from './isolate-protocol.js';

/** Runs forwarded imports of workload `name`: only the functions `plan` forwards (a worker naming another, say a host method outside the WIT, is refused). */
export function forwardedInvoker(name: string, imports: ImportObject, plan: readonly ForwardedInterface[]): (iface: string, fn: string, args: unknown[]) => unknown {
  const planned = new Set(plan.flatMap((f) => f.functions.map((fn) => `${f.name}#${fn.name}`)));
  // Free functions, looked up once: the hot path of a blocking import is then one map hit.
  const free = new Map<string, (args: unknown[]) => unknown>();
  return (iface, fn, args) => {
    const key = `${iface}#${fn}`;
    const known = free.get(key);
    if (known) return known(args);
    if (!planned.has(key)) throw new WasmhostError('trap', `${name}'s worker asked the host for ${iface}#${fn}, which is not an import of this component`);
    const impl = imports[iface] as Record<string, unknown> | undefined;
    const target = fn.startsWith('[') ? undefined : impl?.[jsName(fn)];
    if (typeof target === 'function') free.set(key, (a) => (target as (...a: unknown[]) => unknown).apply(impl, a));
    return invokeForwarded(name, imports, iface, fn, args);
  };
}

/** Calls `iface#fn` of `imports` with `args` (`self` first for a method), for workload `name`. */
export function invokeForwarded(name: string, imports: ImportObject, iface: string, fn: string, args: unknown[]): unknown {
  const impl = imports[iface] as Record<string, unknown> | undefined;
  const missing = () => new WasmhostError('missing-import', `${name} called ${iface}#${fn}, which the host's import object lacks`);
  const resourceFn = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(fn);
  if (!resourceFn) {
    const target = impl?.[jsName(fn)];
    if (typeof target !== 'function') throw missing();
    return (target as (...a: unknown[]) => unknown).apply(impl, args);
  }
  const [, kind, resource, method] = resourceFn;
  const cls = impl?.[resourceClassName(resource!)] as (new (...a: unknown[]) => object) & Record<string, unknown> | undefined;
  if (typeof cls !== 'function') throw missing();
  if (kind === 'constructor') return new cls(...args);
  const owner = (kind === 'static' ? cls : args[0]) as Record<string, unknown>;
  const target = owner[jsName(method ?? '')];
  if (typeof target !== 'function') throw missing();
  return (target as (...a: unknown[]) => unknown).apply(owner, kind === 'static' ? args : args.slice(1));
}
