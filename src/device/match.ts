// Can this device run this component under these grants and constraints? Every reason it
// cannot, from the same rules the host applies when it builds imports (findImportProblems).

import { withArticle } from '../article.js';
import { describeImportProblem, findImportProblems, groupUngranted, unversioned, type ImportProblem } from '../capabilities/build-imports.js';
import type { CapabilityProvider } from '../capabilities/provider.js';
import type { GrantKey, Grants } from '../capabilities/grants.js';
import type { ComponentWorld } from '../component/wit-types.js';
import { httpHandlerProblems, httpServingOf, type EngineProblem } from '../component/engine-support.js';
import { checkCapacity, type CapacityShortfall } from './capacity.js';
import { evaluateEligibility, type RuleFailure } from './eligibility.js';
import type { DeviceConstraints } from './device-constraints.js';
import { toDeviceCapabilitiesManifest } from './margo-capabilities.js';
import type { DeviceClass, DeviceProfile } from './profile.js';

/** One reason a device cannot run a component. */
export type MatchProblem =
  /** An import not offered, offered at an incompatible version, or not granted. */
  | ({ kind: 'import' } & ImportProblem)
  /** The device runs no components (an embedded peer, or a Margo device without wasmhost). */
  | { kind: 'no-engine'; deviceClass?: DeviceClass }
  /** A capacity requirement the device does not meet. */
  | ({ kind: 'capacity' } & CapacityShortfall)
  /** The deployment grants something this kind of device cannot give (a directory, in a browser). */
  | { kind: 'grant'; grant: GrantKey; deviceClass?: DeviceClass }
  /** An eligibility rule that failed, when none matched. */
  | ({ kind: 'eligibility' } & RuleFailure)
  /** Something in the component the device's engine cannot run (wasm-gc, the async ABI, an HTTP handler). */
  | ({ kind: 'engine' } & EngineProblem);

/** Whether a device can run a component, and every problem if not. */
export interface MatchResult { device: string; compatible: boolean; problems: MatchProblem[] }

/**
 * Matches a component's world against a device: engine, each import (offered, version via
 * versionsCompatible, granted), capacity requirements, eligibility rules. Margo evaluates
 * capacity before rules; both are reported here so one report lists everything to fix.
 * `engine` lists what the device's engine cannot run in the component (findEngineProblems,
 * measured where the engine is known). Malformed constraints throw `bad-input`.
 */
export function match(world: ComponentWorld, profile: DeviceProfile, grants: Grants, constraints?: DeviceConstraints, engine: readonly EngineProblem[] = []): MatchResult {
  const problems: MatchProblem[] = [];
  if (!profile.wasm.engine) problems.push(profile.class ? { kind: 'no-engine', deviceClass: profile.class } : { kind: 'no-engine' });
  else for (const p of engine) problems.push({ kind: 'engine', ...p });
  const offered: CapabilityProvider = { name: profile.identity.id, offers: profile.wasm.interfaces, create: () => ({}) };
  for (const p of findImportProblems(world, [offered], grants)) problems.push({ kind: 'import', ...p });
  for (const grant of requestedGrants(grants)) {
    if (profile.wasm.grants && !profile.wasm.grants.includes(grant)) problems.push(profile.class ? { kind: 'grant', grant, deviceClass: profile.class } : { kind: 'grant', grant });
  }
  for (const s of checkCapacity(constraints?.capacityRequirements, profile.resources, profile.wasm.limits)) problems.push({ kind: 'capacity', ...s });
  if (constraints?.eligibilityRules) {
    // Rules see the device as a fleet manager does: its Margo manifest, derived labels included.
    const result = evaluateEligibility(constraints.eligibilityRules, toDeviceCapabilitiesManifest(profile));
    if (!result.eligible) for (const f of result.failedRules) problems.push({ kind: 'eligibility', ...f });
  }
  return { device: profile.identity.id, compatible: problems.length === 0, problems };
}

/** The grant kinds a deployment actually asks for: present and not empty (`filesystem: {}` asks for nothing). */
export function requestedGrants(grants: Grants): GrantKey[] {
  return (Object.keys(grants) as GrantKey[]).filter((key) => {
    const value: unknown = grants[key];
    if (value === undefined || value === false) return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === 'object' && value !== null) return Object.values(value).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined));
    return true;
  });
}

/** A problem and what would fix it, each as one sentence. */
export function describeMatchProblem(p: MatchProblem): { problem: string; fix: string } {
  switch (p.kind) {
    case 'import': {
      const problem = describeImportProblem(p);
      if (p.reason === 'ungranted') return { problem, fix: `add the '${p.grant}' grant to the deployment` };
      if (p.reason === 'unversioned') return { problem, fix: `build the component against the WIT this host offers (${unversioned(p.import)}@${p.offered?.split(', ')[0]}, vendored in wasmhost's wit/deps/)` };
      if (p.reason === 'version') return { problem, fix: `build the component against ${p.offered}, or move the device to a host that offers the version it imports` };
      return { problem, fix: 'deploy to a device that offers it, or build the component without this import' };
    }
    case 'no-engine': return {
      problem: p.deviceClass === 'embedded-peer' ? 'an embedded peer runs no Wasm engine' : 'this device publishes no wasmhost facts (no x-wasmhost-extensions), so it runs no components',
      fix: 'deploy to a browser or linux host; a peer\'s sensors and actuators reach components through its host',
    };
    case 'grant': return {
      problem: `the deployment grants '${p.grant}', which ${p.deviceClass ? `${withArticle(p.deviceClass)} device` : 'this device'} cannot give${p.grant === 'filesystem' ? ' (it has no directories to preopen)' : ''}`,
      fix: `deploy to a device that honors the '${p.grant}' grant (a linux host), or remove it from the deployment`,
    };
    case 'capacity': return describeShortfall(p);
    case 'engine': return { problem: p.problem, fix: p.fix };
    case 'eligibility': return {
      problem: `eligibilityRules[${p.rule}] not met: ${p.failures.map((f) => f.reason).join('; ')}`,
      fix: 'deploy to a device that meets one of the rules, or change the deployment\'s deviceConstraints.eligibilityRules',
    };
  }
}

function describeShortfall(s: CapacityShortfall): { problem: string; fix: string } {
  switch (s.resource) {
    case 'architecture': return {
      problem: `CPU architecture: needs ${s.required}, the device has ${s.available}`,
      fix: 'deploy to a device with that architecture (a component is architecture-neutral: consider dropping capacityRequirements.cpu.architectures)',
    };
    case 'memory-per-workload': return {
      problem: `memory per workload: needs ${s.required}, the device allows each workload ${s.available}`,
      fix: 'raise the device\'s memoryPerWorkload limit, or lower capacityRequirements.memory',
    };
    default: return {
      problem: `${s.resource}: needs ${s.required}, the device has ${s.available}`,
      fix: `deploy to a device with more ${s.resource}, or lower capacityRequirements.${s.resource === 'cpu' ? 'cpu.cores' : s.resource}`,
    };
  }
}

/** A report for people: a verdict line, then one line per problem with its fix. */
export function formatMatchReport(result: MatchResult): string {
  if (result.compatible) return `${result.device}: can run the component`;
  const grouped = groupUngranted(result.problems);
  const n = grouped.length;
  const lines = grouped.map((p) => {
    const { problem, fix } = describeMatchProblem(p);
    return `  - ${problem} → ${fix}`;
  });
  return [`${result.device}: cannot run the component (${n} problem${n === 1 ? '' : 's'})`, ...lines].join('\n');
}

/** Which devices of a fleet can run a component, and why each other one cannot. */
export interface FleetResult {
  compatible: string[];
  incompatible: { name: string; problems: MatchProblem[] }[];
}

/** Matches a component against every device of a fleet (profiles, e.g. read from Margo manifests). */
export function fleetQuery(world: ComponentWorld, profiles: readonly { name: string; profile: DeviceProfile }[], grants: Grants, constraints?: DeviceConstraints): FleetResult {
  const result: FleetResult = { compatible: [], incompatible: [] };
  for (const { name, profile } of profiles) {
    const m = match(world, profile, grants, constraints, httpHandlerProblems(world, httpServingOf(profile.class)));
    if (m.compatible) result.compatible.push(name);
    else result.incompatible.push({ name, problems: m.problems });
  }
  return result;
}

/** A fleet report for people: the devices that can run it, then each other device with its problems. */
export function formatFleetReport(result: FleetResult): string {
  const lines = [result.compatible.length ? `can run it: ${result.compatible.join(', ')}` : 'no device can run it'];
  for (const { name, problems } of result.incompatible) {
    lines.push(formatMatchReport({ device: name, compatible: false, problems }));
  }
  return lines.join('\n');
}
