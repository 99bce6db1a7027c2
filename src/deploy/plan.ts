import type { DesiredDeployment } from './types.js';

/** What runs now, as the agent recorded it. */
export interface ActualDeployment {
  id: string;
  version: string;
  /** Fingerprint of the desired deployment it was installed from (see `fingerprint`). */
  fingerprint: string;
}

/** One step that moves actual state toward desired state. */
export type Action =
  | { kind: 'install'; deployment: DesiredDeployment }
  | { kind: 'update'; from: ActualDeployment; deployment: DesiredDeployment }
  | { kind: 'remove'; id: string };

/**
 * The actions that make `actual` match `desired`: install what is new, update what changed
 * (another version, digest, grant, config, trigger or limit), remove what is no longer desired.
 * Removals come first (they free resources), then updates, then installs, each in id order.
 */
export function plan(desired: readonly DesiredDeployment[], actual: readonly ActualDeployment[]): Action[] {
  const running = new Map(actual.map((a) => [a.id, a]));
  const wanted = new Map(desired.map((d) => [d.id, d]));
  const byId = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const removes = byId(actual.filter((a) => !wanted.has(a.id))).map((a): Action => ({ kind: 'remove', id: a.id }));
  const updates: Action[] = [];
  const installs: Action[] = [];
  for (const deployment of byId([...desired])) {
    const from = running.get(deployment.id);
    if (!from) installs.push({ kind: 'install', deployment });
    else if (from.fingerprint !== fingerprint(deployment)) updates.push({ kind: 'update', from, deployment });
  }
  return [...removes, ...updates, ...installs];
}

/** A stable text identity of everything in a deployment that affects what runs. */
export function fingerprint(deployment: DesiredDeployment): string {
  return stableJson({ version: deployment.version, base: deployment.base ?? null, components: deployment.components });
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
