// Margo ApplicationDeployment: the desired state of one application on a device.
//
// Shapes read (see the Margo specification's application-deployment schema):
// - Margo: `metadata {name, namespace, annotations {applicationId, id?}}`, the deployment `id`
//   at the top level (recent schema) or in `metadata.annotations.id` (published page),
//   `spec {deploymentProfile {type, components}, parameters}` with the profile inline.
// - design.md's shorter form: `id`, `metadata {name, namespace, deviceId}`,
//   `spec {applicationId, deploymentProfile?, parameters}`, where `deploymentProfile` may be
//   `{id}` naming a profile of the description, or absent (its first Wasm profile), and a
//   parameter may give only a `value` (its targets come from the description).
// wasmhost adds `metadata.annotations.applicationVersion` for a deployment resolved without
// its description (Margo keeps the version in the description).

import { Problems, readObject, readOptionalString, readString, show, type Fields } from './manifest-fields.js';
import { readAppId, readHeader } from './manifest-description.js';
import { readParameters, type ManifestParameter } from './manifest-parameters.js';
import { buildWorkloads, readProfile, type ManifestProfile } from './manifest-profile.js';
import { readManifestInput } from './manifest-text.js';
import { CUSTOM_PROFILE_TYPE, WASM_PACKAGE_FORMAT, WASM_PROFILE_TYPE } from './manifest-wasm.js';

/** A checked ApplicationDeployment; unknown top-level keys are dropped. */
export interface ApplicationDeployment {
  kind: 'ApplicationDeployment';
  apiVersion: string;
  /** The deployment id (Margo: a UUID assigned by the fleet manager; not enforced). */
  id: string;
  applicationId: string;
  name: string;
  namespace?: string;
  deviceId?: string;
  /** wasmhost's `metadata.annotations.applicationVersion`, for use without a description. */
  applicationVersion?: string;
  /** The profile carried inline (Margo), already checked as Wasm. */
  deploymentProfile?: ManifestProfile;
  /** Or the id of a profile in the description (design.md's shorter form). */
  deploymentProfileId?: string;
  parameters: Record<string, ManifestParameter>;
  /** Where fields were read, for problems found when resolving against a description. */
  paths: { applicationId: string; applicationVersion: string; deploymentProfile: string };
  source?: string;
}

/**
 * Parses and checks an ApplicationDeployment from YAML or JSON text, or from an object already
 * parsed. An inline Wasm profile is checked with the deployment's parameters applied.
 * Throws `bad-input` listing every problem, each with its field path.
 */
export function parseApplicationDeployment(input: unknown, source?: string): ApplicationDeployment {
  const doc = readManifestInput(input, source);
  const problems = new Problems(source);
  const top = readHeader(doc, 'ApplicationDeployment', problems);
  if (!top) return problems.fail();
  const meta = readObject(top.metadata, 'metadata', problems) ?? {};
  const annotations = meta.annotations === undefined ? {} : readObject(meta.annotations, 'metadata.annotations', problems) ?? {};
  const spec = readObject(top.spec, 'spec', problems) ?? {};

  const id = readEither(problems, ['id', top.id], ['metadata.annotations.id', annotations.id]);
  const appIdPath = annotations.applicationId === undefined && spec.applicationId !== undefined ? 'spec.applicationId' : 'metadata.annotations.applicationId';
  const applicationId = readEither(problems, ['metadata.annotations.applicationId', annotations.applicationId], ['spec.applicationId', spec.applicationId]);
  if (applicationId !== undefined) readAppId(applicationId, appIdPath, problems);
  const name = readString(meta.name, 'metadata.name', problems);
  const namespace = readOptionalString(meta.namespace, 'metadata.namespace', problems);
  const deviceId = readOptionalString(meta.deviceId, 'metadata.deviceId', problems);
  const applicationVersion = readOptionalString(annotations.applicationVersion, 'metadata.annotations.applicationVersion', problems);
  const profile = readDeploymentProfile(spec.deploymentProfile, problems);
  const parameters = readParameters(spec.parameters, 'spec.parameters', problems, false);

  if (profile?.deploymentProfile && parameters) {
    const applied = Object.fromEntries(Object.entries(parameters).map(([n, p]) => [n, { ...p, strict: true }]));
    buildWorkloads(profile.deploymentProfile, applied, problems);
  }
  problems.throwIfAny();
  // Every undefined among the required fields above was reported, so none is undefined here.
  const out: ApplicationDeployment = {
    kind: 'ApplicationDeployment', apiVersion: top.apiVersion as string, id: id!, applicationId: applicationId!, name: name!,
    parameters: parameters!,
    paths: { applicationId: appIdPath, applicationVersion: 'metadata.annotations.applicationVersion', deploymentProfile: 'spec.deploymentProfile' },
  };
  if (namespace !== undefined) out.namespace = namespace;
  if (deviceId !== undefined) out.deviceId = deviceId;
  if (applicationVersion !== undefined) out.applicationVersion = applicationVersion;
  if (profile?.deploymentProfile) out.deploymentProfile = profile.deploymentProfile;
  if (profile?.deploymentProfileId !== undefined) out.deploymentProfileId = profile.deploymentProfileId;
  if (source !== undefined) out.source = source;
  return out;
}

/** A string given in one of two places (the same value if in both); `required` at the first when in neither. */
function readEither(problems: Problems, first: [string, unknown], second: [string, unknown]): string | undefined {
  if (first[1] !== undefined && second[1] !== undefined && first[1] !== second[1]) {
    return problems.add(second[0], `differs from ${first[0]} (${show(second[1])} vs ${show(first[1])})`);
  }
  if (first[1] === undefined && second[1] === undefined) return problems.add(first[0], `required (or ${second[0]})`);
  return first[1] !== undefined ? readString(first[1], first[0], problems) : readString(second[1], second[0], problems);
}

function readDeploymentProfile(value: unknown, problems: Problems): Pick<ApplicationDeployment, 'deploymentProfile' | 'deploymentProfileId'> | undefined {
  if (value === undefined) return {};
  const obj: Fields | undefined = readObject(value, 'spec.deploymentProfile', problems);
  if (!obj) return undefined;
  if (obj.type === undefined && obj.components === undefined && obj.id !== undefined) {
    const id = readString(obj.id, 'spec.deploymentProfile.id', problems);
    return id === undefined ? undefined : { deploymentProfileId: id };
  }
  const profile = readProfile(obj, 'spec.deploymentProfile', problems, false);
  if (profile && !profile.wasm) {
    return problems.add('spec.deploymentProfile.type', `${show(profile.type)} is not a Wasm profile: wasmhost runs ${WASM_PROFILE_TYPE}, or ${CUSTOM_PROFILE_TYPE} with packageFormat: ${WASM_PACKAGE_FORMAT}`);
  }
  return profile ? { deploymentProfile: profile } : undefined;
}
