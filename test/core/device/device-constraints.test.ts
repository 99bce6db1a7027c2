import { describe, expect, it } from 'vitest';
import { parseDeviceConstraints } from '../../../src/device/device-constraints.js';
import { badInput } from '../../support/bad-input.js';

describe('parseDeviceConstraints', () => {
  const constraints = {
    capacityRequirements: { cpu: { cores: 0.5, architectures: ['arm64'] }, memory: '256Mi', storage: '1Gi' },
    eligibilityRules: [
      { propertySelector: { matchExpressions: [{ key: '/vendor', operator: 'In', values: ['Acme'] }] }, labelSelector: { matchExpressions: [{ key: 'example.com/os', operator: 'Exists' }] } },
    ],
  };

  it('returns well-formed constraints as they are', () => {
    expect(parseDeviceConstraints(constraints)).toStrictEqual(constraints);
    expect(parseDeviceConstraints({})).toStrictEqual({});
  });

  it('prefixes every path with where the constraints sit, and lists every problem', () => {
    const bad = { capacityRequirements: { memory: '1GB' }, eligibilityRules: [{ labelSelector: { matchExpressions: [{ key: 'a', operator: 'Eq' }] } }], requiredResources: {} };
    expect(badInput(() => parseDeviceConstraints(bad, 'deploymentProfiles[0].deviceConstraints'))).toBe([
      'deploymentProfiles[0].deviceConstraints.requiredResources: unknown field (fields: capacityRequirements, eligibilityRules)',
      "deploymentProfiles[0].deviceConstraints.capacityRequirements.memory: '1GB' is not an amount of bytes (a quantity like 512Mi, 2Gi)",
      "deploymentProfiles[0].deviceConstraints.eligibilityRules[0].labelSelector.matchExpressions[0].operator: unknown operator 'Eq' (valid: In, NotIn, Exists, DoesNotExist, Gt, Lt, ContainsAll, ContainsAny)",
    ].join('\n'));
  });

  it('refuses constraints that are not an object', () => {
    expect(badInput(() => parseDeviceConstraints('arm64 only'))).toBe("expected an object, got 'arm64 only'");
  });
});
