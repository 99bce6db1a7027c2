// Every probe names the requirements of docs/device-classes.md it checks, and those exist there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LINUX_REQUIREMENTS, PEER_REQUIREMENTS } from '../../../src/conformance/requirements.js';
import { formatReport, result } from '../../../src/conformance/report.js';

const doc = readFileSync(new URL('../../../docs/device-classes.md', import.meta.url), 'utf8');
const numbered = new Set([...doc.matchAll(/^\| ([A-Z]+-\d+) \| (MUST|SHOULD|MAY) \|/gm)].map((m) => m[1]));

describe('conformance probes and docs/device-classes.md', () => {
  it.each([...LINUX_REQUIREMENTS, ...PEER_REQUIREMENTS].map((r) => [r.id, r] as const))('%s checks numbered requirements of the document', (_, req) => {
    expect(req.checks.length).toBeGreaterThan(0);
    for (const id of req.checks) expect(numbered, `${req.id} names ${id}`).toContain(id);
  });

  it('the report names the requirements each line checks', () => {
    const text = formatReport([result(LINUX_REQUIREMENTS.find((r) => r.id === 'LNX-limit-time')!, 'PASS', 'stopped after 1001 ms')]);
    expect(text.split('\n')[0]).toBe('PASS LNX-limit-time [WL-6, LNX-3] a call past callTimeoutMs is stopped (worker isolation) — stopped after 1001 ms');
  });
});
