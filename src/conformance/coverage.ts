// Which probes check each numbered requirement of docs/device-classes.md: the table of its
// section 9, and the check that every MUST not marked "declared" has a probe.
import { ALL_REQUIREMENTS, type Requirement } from './requirements.js';

/** A numbered row of the document: `WL-6`, `MUST`. */
export interface DocRequirement {
  id: string;
  level: string;
}

/** The heading of the section whose table this module writes (its rows are not requirements). */
export const COVERAGE_HEADING = '## 9. Conformance';

/** The numbered rows of the document's requirement tables (sections 2 to 7), in order. */
export function docRequirements(markdown: string): DocRequirement[] {
  const end = markdown.indexOf(COVERAGE_HEADING);
  return [...markdown.slice(0, end < 0 ? undefined : end).matchAll(/^\| ([A-Z]+-\d+) \| (MUST NOT|MUST \(declared\)|MUST|SHOULD|MAY) \|/gm)].map((m) => ({ id: m[1], level: m[2] }));
}

/** The probe ids that check `id`, in report order. */
export function probesOf(id: string, probes: readonly Requirement[] = ALL_REQUIREMENTS): string[] {
  return probes.filter((p) => p.checks.includes(id)).map((p) => p.id);
}

/** Probe ids shortened for the table: the interface probes of a class become `LNX-iface-*` once. */
function compact(ids: string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const short = id.replace(/^(LNX|BRW)-iface-.*$/, '$1-iface-*');
    if (!out.includes(short)) out.push(short);
  }
  return out;
}

/** Section 9's table: each numbered requirement, its level, and the probes that check it. */
export function coverageTable(rows: readonly DocRequirement[]): string {
  const lines = ['| # | Level | Checked by |', '|---|---|---|'];
  for (const row of rows) {
    const probes = compact(probesOf(row.id));
    const by = probes.length ? probes.map((p) => `\`${p}\``).join(', ') : row.level === 'MUST (declared)' ? 'declared by the vendor' : 'not probed';
    lines.push(`| ${row.id} | ${row.level} | ${by} |`);
  }
  return lines.join('\n');
}
