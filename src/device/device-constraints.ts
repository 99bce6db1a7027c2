// Margo `deviceConstraints` of a deployment profile: capacity requirements and eligibility rules.

import { Issues, joinPath, objectAt, unknownFields } from './json-check.js';
import { readCapacityRequirements, type CapacityRequirements } from './capacity.js';
import { readEligibilityRules } from './eligibility-rules.js';
import type { EligibilityRule } from './eligibility.js';

/** Where a deployment may be placed: minimum capacity, then rules over properties and labels. */
export interface DeviceConstraints {
  capacityRequirements?: CapacityRequirements;
  eligibilityRules?: EligibilityRule[];
}

/**
 * Checks `deviceConstraints` read from a manifest and returns them typed; throws `bad-input`
 * listing every malformed field. `at` prefixes each path (`deploymentProfiles[0].deviceConstraints`).
 */
export function parseDeviceConstraints(json: unknown, at = ''): DeviceConstraints {
  const issues = new Issues();
  const obj = objectAt(json, at, issues);
  if (obj) {
    unknownFields(obj, ['capacityRequirements', 'eligibilityRules'], at, issues);
    if (obj.capacityRequirements !== undefined) readCapacityRequirements(obj.capacityRequirements, joinPath(at, 'capacityRequirements'), issues);
    if (obj.eligibilityRules !== undefined) readEligibilityRules(obj.eligibilityRules, joinPath(at, 'eligibilityRules'), issues);
  }
  issues.done();
  return obj as DeviceConstraints;
}
