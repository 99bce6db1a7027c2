import { withArticle } from '../article.js';
import { WasmhostError } from '../errors.js';
import type { ComponentWorld, WitInterface } from '../component/wit-types.js';
import type { ImportObject } from '../component/engine.js';
import type { CapabilityProvider, InterfaceOffer, ProviderContext } from './provider.js';
import { shapeDifference, vendoredShape } from './vendored-offers.js';
import { versionsCompatible } from './version.js';
import { jsName } from '../component/js-name.js';
import { isGranted, type GrantKey, type Grants } from './grants.js';

/** An import the host cannot satisfy, and why. */
export interface ImportProblem {
  import: string;
  /** `unversioned`: imported without a version, and no offered version has its functions. */
  reason: 'not-provided' | 'version' | 'unversioned' | 'ungranted';
  /** Versions on offer, for `version` and `unversioned`. */
  offered?: string;
  /** For `unversioned`: how the import differs from the offered interface. */
  difference?: string;
  /** The grant the deployment lacks, for `ungranted`. */
  grant?: GrantKey;
}

/**
 * Lists the component's imports that no provider serves at a compatible version, or that
 * need a grant the deployment does not give (checked only when `grants` is passed).
 */
export function findImportProblems(world: ComponentWorld, providers: readonly CapabilityProvider[], grants?: Grants): ImportProblem[] {
  const problems: ImportProblem[] = [];
  for (const item of world.imports) {
    if (item.kind === 'type') continue;
    if (item.kind === 'function') {
      problems.push({ import: item.function.name, reason: 'not-provided' });
      continue;
    }
    const iface = item.interface;
    const offers = providers.flatMap((p) => p.offers).filter((o) => o.name === unversioned(iface.name));
    if (offers.length === 0) problems.push({ import: iface.name, reason: 'not-provided' });
    else {
      const offer = chooseOffer(iface, offers);
      const offered = offers.map((o) => o.version ?? '(unversioned)').join(', ');
      if (!offer && iface.package?.version === undefined) {
        problems.push({ import: iface.name, reason: 'unversioned', offered, difference: unversionedDifference(iface, offers) });
      } else if (!offer) problems.push({ import: iface.name, reason: 'version', offered });
      else if (grants && !isGranted(grants, offer)) problems.push({ import: iface.name, reason: 'ungranted', grant: offer.grant });
    }
  }
  return problems;
}

/**
 * The offer that serves an imported interface: one at a compatible version; for an import
 * without a version, one whose vendored WIT has the imported functions with the same types.
 */
export function chooseOffer<T extends InterfaceOffer>(iface: WitInterface, offers: readonly T[]): T | undefined {
  const version = iface.package?.version;
  const compatible = offers.find((o) => versionsCompatible(version, o.version));
  if (compatible || version !== undefined) return compatible;
  return offers.find((o) => {
    const shape = vendoredShape(o.name, o.version);
    return shape !== undefined && shapeDifference(iface, shape) === undefined;
  });
}

function unversionedDifference(iface: WitInterface, offers: readonly InterfaceOffer[]): string {
  for (const o of offers) {
    const shape = vendoredShape(o.name, o.version);
    if (shape) return `at ${o.version}, ${shapeDifference(iface, shape)}`;
  }
  return 'the host has no WIT for the versions it offers to compare with';
}

/**
 * Builds the import object for one instance from the providers alone: every import must be
 * served, or nothing runs and the error names each unserved import with its version.
 */
export function buildImports(world: ComponentWorld, providers: readonly CapabilityProvider[], context: ProviderContext): ImportObject {
  const problems = findImportProblems(world, providers, context.grants);
  if (problems.length) throw missingImportsError(problems);
  const imports: ImportObject = {};
  const created = new Map<CapabilityProvider, Record<string, unknown>>();
  const importVersions: Record<string, string | undefined> = {};
  for (const item of world.imports) if (item.kind === 'interface') importVersions[unversioned(item.interface.name)] = item.interface.package?.version;
  for (const item of world.imports) {
    if (item.kind !== 'interface') continue;
    const key = unversioned(item.interface.name);
    const provider = providers.find((p) => chooseOffer(item.interface, p.offers.filter((o) => o.name === key)))!;
    let impl = created.get(provider);
    if (!impl) {
      impl = provider.create({ ...context, importVersions });
      created.set(provider, impl);
    }
    imports[key] = impl[key];
    const missing = item.interface.functions.filter((f) => !f.name.startsWith('[') && typeof (impl[key] as Record<string, unknown> | undefined)?.[jsName(f.name)] !== 'function');
    if (missing.length) {
      throw new WasmhostError('missing-import', `provider '${provider.name}' offers ${item.interface.name} but does not implement ${missing.map((f) => f.name).join(', ')}; its implementation must match the interface's WIT`);
    }
  }
  return imports;
}

/** `wasi:cli/stdout@0.2.0` → `wasi:cli/stdout` (jco keys imports without version). */
export function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/**
 * For reports: the imports that lack the same grant as one problem (`wasi:sockets/network@0.2.3,
 * wasi:sockets/tcp@0.2.3` needing `network` is one line), others as they are.
 */
export function groupUngranted<T extends object>(problems: readonly T[]): T[] {
  const out: T[] = [];
  const byGrant = new Map<string, T & ImportProblem>();
  for (const p of problems) {
    if (!isUngranted(p)) { out.push(p); continue; }
    const first = byGrant.get(p.grant);
    if (first) { first.import = `${first.import}, ${p.import}`; continue; }
    const copy = { ...p };
    byGrant.set(p.grant, copy);
    out.push(copy);
  }
  return out;
}

function isUngranted<T extends object>(p: T): p is T & ImportProblem & { grant: GrantKey } {
  const q = p as Partial<ImportProblem>;
  return q.reason === 'ungranted' && typeof q.import === 'string' && q.grant !== undefined;
}

function missingImportsError(problems: ImportProblem[]): WasmhostError {
  const lines = groupUngranted(problems).map(describeImportProblem);
  const denied = problems.every((p) => p.reason === 'ungranted');
  const headline = denied ? 'the deployment does not grant what the component imports' : 'the component needs imports this host does not provide or grant';
  return new WasmhostError(denied ? 'denied' : 'missing-import', `${headline}:\n${lines.map((l) => `  ${l}`).join('\n')}`, {
    data: { problems },
  });
}

/** One line for a report: what is wrong with an import and what would fix it. */
export function describeImportProblem(p: ImportProblem): string {
  switch (p.reason) {
    case 'version': return `${p.import}: this host offers ${p.offered?.includes(',') ? 'versions' : 'version'} ${p.offered}, none compatible with it`;
    case 'unversioned': return `${p.import}: imported without a version, and not the shape of what this host offers (${p.offered}): ${p.difference}`;
    case 'ungranted': return `${p.import}: not granted (the deployment needs ${withArticle(`'${p.grant}'`)} grant)`;
    default: return `${p.import}: not provided by this host`;
  }
}
