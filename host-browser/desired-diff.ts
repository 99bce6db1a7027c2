// What applying a new desired state would do to the current one: which deployments it adds,
// changes (another version or spec) and removes. The page shows it before applying, and asks
// before removing anything.
import { fingerprint } from '../src/deploy/plan.js';
import type { DesiredDeployment } from '../src/deploy/types.js';

/** Deployment ids by what applying the new desired state does to them. */
export interface DesiredDiff { added: string[]; changed: string[]; removed: string[]; unchanged: string[] }

/** Compares `next` with `current` by deployment id and content. */
export function diffDesired(current: readonly DesiredDeployment[], next: readonly DesiredDeployment[]): DesiredDiff {
  const before = new Map(current.map((d) => [d.id, d]));
  const diff: DesiredDiff = { added: [], changed: [], removed: [], unchanged: [] };
  for (const d of next) {
    const old = before.get(d.id);
    if (!old) diff.added.push(d.id);
    else if (fingerprint(old) !== fingerprint(d)) diff.changed.push(d.id);
    else diff.unchanged.push(d.id);
  }
  const kept = new Set(next.map((d) => d.id));
  diff.removed = current.filter((d) => !kept.has(d.id)).map((d) => d.id);
  return diff;
}

/** One line: `adds a, b · changes c · removes d`, or `changes nothing`. */
export function describeDiff(diff: DesiredDiff): string {
  const parts = [
    diff.added.length ? `adds ${diff.added.join(', ')}` : '',
    diff.changed.length ? `changes ${diff.changed.join(', ')}` : '',
    diff.removed.length ? `removes ${diff.removed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'changes nothing';
}
