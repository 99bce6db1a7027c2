import { withArticle } from '../article.js';
import { WasmhostError } from '../errors.js';
import type { ComponentWorld } from '../component/wit-types.js';
import type { ImportObject } from '../component/engine.js';
import type { CapabilityProvider, ProviderContext } from './provider.js';
import { versionsCompatible } from './version.js';
import { jsName } from '../component/js-name.js';
import { isGranted, type GrantKey, type Grants } from './grants.js';

/** An import the host cannot satisfy, and why. */
export interface ImportProblem {
  import: string;
  reason: 'not-provided' | 'version' | 'ungranted';
  /** Versions on offer, for `version`. */
  offered?: string;
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
      const offer = offers.find((o) => versionsCompatible(iface.package?.version, o.version));
      if (!offer) problems.push({ import: iface.name, reason: 'version', offered: offers.map((o) => o.version ?? '(unversioned)').join(', ') });
      else if (grants && !isGranted(grants, offer)) problems.push({ import: iface.name, reason: 'ungranted', grant: offer.grant });
    }
  }
  return problems;
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
  for (const item of world.imports) {
    if (item.kind !== 'interface') continue;
    const key = unversioned(item.interface.name);
    const provider = providers.find((p) => p.offers.some((o) => o.name === key && versionsCompatible(item.interface.package?.version, o.version)))!;
    let impl = created.get(provider);
    if (!impl) {
      impl = provider.create(context);
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
    case 'version': return `${p.import}: this host offers version ${p.offered}, which is not compatible`;
    case 'ungranted': return `${p.import}: not granted (the deployment needs ${withArticle(`'${p.grant}'`)} grant)`;
    default: return `${p.import}: not provided by this host`;
  }
}
