import { parseAllDocuments } from 'yaml';
import { WasmhostError } from '../errors.js';
import { parseApplicationDescription, type ApplicationDescription } from './manifest-description.js';
import { parseApplicationDeployment, type ApplicationDeployment } from './manifest-deployment.js';
import { resolveDeployment } from './manifest-resolve.js';
import { packageLocationProblem } from './package-location.js';
import type { DesiredDeployment } from './types.js';

/** One manifest document source: a file of a desired-state folder, or a YAML a fleet manager served. */
export interface ManifestSource {
  source: string;
  text: string;
  /** The deployment id a fleet manager's manifest entry gives this text: its one ApplicationDeployment must declare it. */
  deploymentId?: string;
}

/** How the texts were obtained. */
export interface ResolveOptions {
  /** From a fleet manager: packages must be absolute URLs (never this device's files). */
  remote?: boolean;
}

/**
 * Turns manifest texts into desired deployments: each text may hold ApplicationDescriptions and
 * ApplicationDeployments (several YAML documents, or one JSON object); each deployment is
 * resolved against the description with its application id, relative packages against `base`.
 * All or nothing: any problem anywhere throws one error listing them all, so a typo never
 * removes a running workload. Package locations are checked against where the texts came
 * from (see packageLocationProblem): a local path is allowed only inside a local folder.
 */
export function resolveDesired(sources: readonly ManifestSource[], base?: string, options: ResolveOptions = {}): DesiredDeployment[] {
  const descriptions = new Map<string, ApplicationDescription>();
  const deployments: ApplicationDeployment[] = [];
  const problems: string[] = [];
  for (const { source, text, deploymentId } of sources) {
    try {
      const declared: string[] = [];
      for (const doc of documents(source, text)) {
        const kind = (doc as { kind?: unknown } | null)?.kind;
        if (kind === 'ApplicationDescription') {
          const description = parseApplicationDescription(doc, source);
          descriptions.set(description.metadata.id, description);
        } else if (kind === 'ApplicationDeployment') {
          const deployment = parseApplicationDeployment(doc, source);
          declared.push(deployment.id);
          deployments.push(deployment);
        } else {
          problems.push(`${source}: kind ${JSON.stringify(kind)} is neither ApplicationDescription nor ApplicationDeployment`);
        }
      }
      if (deploymentId !== undefined && (declared.length !== 1 || declared[0] !== deploymentId)) {
        const found = declared.length === 0 ? 'no ApplicationDeployment' : `deployment id ${declared.map((id) => JSON.stringify(id)).join(', ')}`;
        problems.push(`${source}: the manifest entry's deploymentId is ${JSON.stringify(deploymentId)} but its YAML declares ${found}; the ids must agree, so the whole manifest is refused`);
      }
    } catch (error) {
      const message = (error as Error).message;
      problems.push(message.includes(source) ? message : `${source}: ${message}`);
    }
  }
  const desired: DesiredDeployment[] = [];
  for (const deployment of deployments) {
    try {
      desired.push(resolveDeployment(deployment, descriptions.get(deployment.applicationId), base));
    } catch (error) {
      problems.push(`${deployment.source ?? deployment.id}: ${(error as Error).message}`);
    }
  }
  for (const d of desired) {
    for (const c of d.components) {
      const problem = packageLocationProblem(c.packageLocation, base, options.remote === true);
      if (problem) problems.push(`deployment ${JSON.stringify(d.id)}, component ${JSON.stringify(c.name)}: packageLocation ${JSON.stringify(c.packageLocation)}: ${problem}`);
    }
  }
  const ids = desired.map((d) => d.id);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`deployment id ${id} is used by more than one ApplicationDeployment`);
  if (problems.length) throw new WasmhostError('bad-input', `the desired state is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return desired;
}

function documents(source: string, text: string): unknown[] {
  if (source.endsWith('.json')) return [JSON.parse(text)];
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new WasmhostError('bad-input', doc.errors.map((e) => e.message).join('; '));
    return doc.toJS();
  });
}
