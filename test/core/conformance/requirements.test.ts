// Every probe names the requirements of docs/device-classes.md it checks, and those exist
// there; every MUST has a probe unless the document marks it declared; section 9's table is
// the probes' own.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_REQUIREMENTS, LINUX_REQUIREMENTS } from '../../../src/conformance/requirements.js';
import { coverageTable, docRequirements, probesOf } from '../../../src/conformance/coverage.js';
import { formatReport, result } from '../../../src/conformance/report.js';

const doc = readFileSync(new URL('../../../docs/device-classes.md', import.meta.url), 'utf8');
const rows = docRequirements(doc);
const numbered = new Set(rows.map((r) => r.id));

describe('conformance probes and docs/device-classes.md', () => {
  it.each(ALL_REQUIREMENTS.map((r) => [r.id, r] as const))('%s checks numbered requirements of the document', (_, req) => {
    expect(req.checks.length).toBeGreaterThan(0);
    for (const id of req.checks) expect(numbered, `${req.id} names ${id}`).toContain(id);
  });

  it('probe ids are unique', () => {
    expect(new Set(ALL_REQUIREMENTS.map((r) => r.id)).size).toBe(ALL_REQUIREMENTS.length);
  });

  it('finds the numbered rows of every class, MUSTs among them', () => {
    expect(rows.length).toBeGreaterThan(50);
    for (const prefix of ['WL', 'BRW', 'LNX', 'OCI', 'PEER', 'MGO']) expect(rows.some((r) => r.id.startsWith(`${prefix}-`) && r.level.startsWith('MUST'))).toBe(true);
  });

  it('has a probe for every MUST and MUST NOT the document does not mark declared', () => {
    const unprobed = rows.filter((r) => (r.level === 'MUST' || r.level === 'MUST NOT') && probesOf(r.id).length === 0).map((r) => r.id);
    expect(unprobed).toEqual([]);
  });

  it('marks declared only what no probe checks', () => {
    const probedDeclared = rows.filter((r) => r.level === 'MUST (declared)' && probesOf(r.id).length > 0).map((r) => r.id);
    expect(probedDeclared).toEqual([]);
  });

  it('fails the coverage check when a MUST loses its probe', () => {
    const withoutExit = ALL_REQUIREMENTS.filter((r) => !r.checks.includes('WL-10'));
    expect(probesOf('WL-10', withoutExit)).toEqual([]);
  });

  it("keeps section 9's table equal to the probes", () => {
    expect(doc).toContain(`${coverageTable(rows)}\n`);
  });

  it('the report names the requirements each line checks', () => {
    const text = formatReport([result(LINUX_REQUIREMENTS.find((r) => r.id === 'LNX-limit-time')!, 'PASS', 'stopped after 1001 ms')]);
    expect(text.split('\n')[0]).toBe('PASS LNX-limit-time [WL-6, LNX-3, OCI-3] a call past callTimeoutMs is stopped (worker_threads isolation) — stopped after 1001 ms');
  });
});
