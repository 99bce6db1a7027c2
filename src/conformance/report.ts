// The conformance report: one line per requirement, a summary line, or a JSON array.
import type { Requirement } from './requirements.js';

/** The outcome of one requirement's probe. */
export interface ProbeResult {
  id: string;
  description: string;
  /** The requirements of docs/device-classes.md it checks. */
  checks: readonly string[];
  status: 'PASS' | 'FAIL' | 'SKIP';
  detail: string;
}

/** A result for a requirement. */
export function result(req: Requirement, status: ProbeResult['status'], detail: string): ProbeResult {
  return { id: req.id, description: req.description, checks: req.checks, status, detail: detail.replace(/\s*\n\s*/g, ' ') };
}

/** `PASS|FAIL|SKIP <id> [<requirements>] <description> — <detail>` per line, then the counts. */
export function formatReport(results: readonly ProbeResult[]): string {
  const lines = results.map((r) => `${r.status} ${r.id} [${r.checks.join(', ')}] ${r.description} — ${r.detail}`);
  const count = (s: ProbeResult['status']) => results.filter((r) => r.status === s).length;
  lines.push(`${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped of ${results.length} requirements`);
  return `${lines.join('\n')}\n`;
}

/** True when no requirement failed. */
export function passed(results: readonly ProbeResult[]): boolean {
  return results.every((r) => r.status !== 'FAIL');
}
