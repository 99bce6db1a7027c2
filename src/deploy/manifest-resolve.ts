// An ApplicationDeployment, with its ApplicationDescription when there is one, resolved
// into the DesiredDeployment the host reconciles.

import { Problems, at } from './manifest-fields.js';
import type { ApplicationDeployment } from './manifest-deployment.js';
import type { ApplicationDescription } from './manifest-description.js';
import { addAt, buildWorkloads, type AppliedParameter, type ManifestProfile } from './manifest-profile.js';
import type { DesiredDeployment } from './types.js';

/**
 * Resolves a deployment into workload specs. The profile is the deployment's inline one (Margo),
 * or the description's profile it names by id, or the description's first Wasm profile.
 * Parameters: the deployment's override the description's of the same name; a deployment
 * parameter without targets takes the description's. The version is the description's
 * `metadata.version`, else the deployment's `metadata.annotations.applicationVersion`.
 * `base` is where relative package locations resolve from. Throws `bad-input` listing every problem.
 */
export function resolveDeployment(deployment: ApplicationDeployment, description?: ApplicationDescription, base?: string): DesiredDeployment {
  const problems = new Problems(deployment.source);
  const { paths } = deployment;
  if (description && description.metadata.id !== deployment.applicationId) {
    problems.add(paths.applicationId, `"${deployment.applicationId}" does not match the ApplicationDescription's metadata.id "${description.metadata.id}"`);
  }
  const version = resolveVersion(deployment, description, problems);
  const profile = pickProfile(deployment, description, problems);
  const params = mergeParameters(deployment, description, problems);
  const components = profile ? buildWorkloads(profile, params, problems) : undefined;
  problems.throwIfAny();
  return {
    id: deployment.id, name: deployment.name, applicationId: deployment.applicationId, version: version!, components: components!,
    ...(base === undefined ? {} : { base }),
  };
}

function resolveVersion(deployment: ApplicationDeployment, description: ApplicationDescription | undefined, problems: Problems): string | undefined {
  const own = deployment.applicationVersion;
  if (!description) {
    return own ?? problems.add(deployment.paths.applicationVersion, "required when there is no ApplicationDescription (Margo keeps the version in the description's metadata.version)");
  }
  if (own !== undefined && own !== description.metadata.version) {
    problems.add(deployment.paths.applicationVersion, `"${own}" does not match the ApplicationDescription's metadata.version "${description.metadata.version}"`);
  }
  return description.metadata.version;
}

function pickProfile(deployment: ApplicationDeployment, description: ApplicationDescription | undefined, problems: Problems): ManifestProfile | undefined {
  if (deployment.deploymentProfile) return deployment.deploymentProfile;
  const path = deployment.paths.deploymentProfile;
  if (!description) return problems.add(path, 'required when there is no ApplicationDescription (give the profile inline)');
  const wasm = description.deploymentProfiles.filter((p) => p.wasm);
  const id = deployment.deploymentProfileId;
  if (id === undefined) return wasm[0];
  const found = description.deploymentProfiles.find((p) => p.id === id);
  if (found?.wasm) return found;
  const ids = wasm.map((p) => p.id).join(', ');
  const why = found ? `is a ${found.type} profile, not a Wasm one` : 'names no profile of the ApplicationDescription';
  return problems.add(at(path, 'id'), `"${id}" ${why} (Wasm profiles: ${ids})`);
}

function mergeParameters(deployment: ApplicationDeployment, description: ApplicationDescription | undefined, problems: Problems): Record<string, AppliedParameter> {
  const merged: Record<string, AppliedParameter> = {};
  for (const [name, param] of Object.entries(description?.parameters ?? {})) merged[name] = { ...param, strict: false };
  for (const [name, param] of Object.entries(deployment.parameters)) {
    const fallback = description?.parameters[name];
    const value = param.value ?? fallback?.value;
    if (param.targets.length > 0) {
      merged[name] = { ...param, value, strict: true };
    } else if (fallback) {
      merged[name] = { ...fallback, value, strict: false };
    } else {
      const why = description ? `the ApplicationDescription has no parameter "${name}" to take them from` : 'no ApplicationDescription to take them from';
      addAt(problems, param.origin.source, at(param.origin.path, 'targets'), `required: ${why}`);
    }
  }
  return merged;
}
