import { describe, expect, it } from 'vitest';
import { fingerprint, plan, type ActualDeployment } from '../../../src/deploy/plan.js';
import type { DesiredDeployment, WorkloadSpec } from '../../../src/deploy/types.js';

const component = (over: Partial<WorkloadSpec> = {}): WorkloadSpec => ({
  name: 'alarm',
  packageLocation: 'alarm.wasm',
  digest: `sha256:${'a'.repeat(64)}`,
  grants: { actuators: ['fan'] },
  config: { threshold: '30' },
  triggers: [],
  limits: { callTimeoutMs: 1000, memoryBytes: 64 << 20, isolation: 'worker' },
  ...over,
});
const deployment = (id: string, over: Partial<DesiredDeployment> = {}): DesiredDeployment => ({
  id, name: id, applicationId: 'app', version: '1.0.0', components: [component()], ...over,
});
const running = (d: DesiredDeployment): ActualDeployment => ({ id: d.id, version: d.version, fingerprint: fingerprint(d) });

describe('plan(desired, actual)', () => {
  it('does nothing when actual matches desired', () => {
    const d = deployment('a');
    expect(plan([d], [running(d)])).toEqual([]);
  });

  it('installs new, removes absent, removals first then updates then installs, by id', () => {
    const a = deployment('a');
    const b = deployment('b');
    const c = deployment('c');
    const actions = plan([c, a, b], [running(deployment('z')), running({ ...b, version: '0.9.0' }), running(deployment('y'))]);
    expect(actions.map((x) => `${x.kind}:${x.kind === 'remove' ? x.id : x.deployment.id}`)).toEqual([
      'remove:y', 'remove:z', 'update:b', 'install:a', 'install:c',
    ]);
  });

  it.each([
    ['version', { version: '1.1.0' }],
    ['digest', { components: [component({ digest: `sha256:${'b'.repeat(64)}` })] }],
    ['grant', { components: [component({ grants: { actuators: ['fan', 'pump'] } })] }],
    ['config', { components: [component({ config: { threshold: '31' } })] }],
    ['limit', { components: [component({ limits: { callTimeoutMs: 500, memoryBytes: 64 << 20, isolation: 'worker' } })] }],
    ['trigger', { components: [component({ triggers: [{ kind: 'message' }] })] }],
  ] as [string, Partial<DesiredDeployment>][])('updates when the %s changes', (_what, change) => {
    const before = deployment('a');
    const actions = plan([deployment('a', change)], [running(before)]);
    expect(actions).toHaveLength(1);
    expect(actions[0].kind).toBe('update');
  });

  it('fingerprints ignore key order', () => {
    const a = deployment('a');
    const reordered = JSON.parse(JSON.stringify({ components: a.components, version: a.version, applicationId: a.applicationId, name: a.name, id: a.id }));
    expect(fingerprint(reordered)).toBe(fingerprint(a));
  });
});
