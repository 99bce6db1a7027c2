// Parses the names the component model gives imports, exports and functions:
// `wasi:cli/stderr@0.2.0` interface names and `[method]r.f` function annotations.

import type { WitPackageId } from '../wit-types.js';

/** A package-qualified interface name split into its parts. */
export interface InterfaceName { package: WitPackageId; interfaceName: string }

/** Splits `ns:pkg/iface@1.2.3` (nested `ns:pkg/a/b` too); undefined for plain names. */
export function parseInterfaceName(name: string, versionSuffix?: string): InterfaceName | undefined {
  const colon = name.indexOf(':');
  const slash = name.indexOf('/', colon + 1);
  if (colon <= 0 || slash < 0 || /[=<>\s]/.test(name)) return undefined;
  const at = name.indexOf('@', slash);
  const path = at < 0 ? name.slice(slash + 1) : name.slice(slash + 1, at);
  const pkg: WitPackageId = { namespace: name.slice(0, colon), name: name.slice(colon + 1, slash) };
  if (at >= 0) pkg.version = name.slice(at + 1) + (versionSuffix ?? '');
  return { package: pkg, interfaceName: path };
}

/** What a function name's annotation says about it. */
export interface FunctionName {
  /** The name without an `async` marker: `f`, `[method]r.f`, `[constructor]r`. */
  name: string;
  kind?: 'constructor' | 'method' | 'static';
  resource?: string;
  /** Set by the older `[async]`, `[async method]`, `[async static]` name annotations. */
  async: boolean;
}

/** Parses `[constructor]r`, `[method]r.f`, `[static]r.f` and their `[async …]` forms. */
export function parseFunctionName(name: string): FunctionName {
  const m = /^\[(async )?(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(name);
  if (m !== null) {
    const kind = m[2] as 'constructor' | 'method' | 'static';
    const resource = m[3];
    const tail = kind === 'constructor' ? '' : `.${m[4] ?? ''}`;
    return { name: `[${kind}]${resource}${tail}`, kind, resource, async: m[1] !== undefined };
  }
  if (name.startsWith('[async]')) return { name: name.slice(7), async: true };
  return { name, async: false };
}
