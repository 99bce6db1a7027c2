// Margo ApplicationDescription (`margo.yaml`): what an application is and how it may be
// deployed. wasmhost needs at least one Wasm deployment profile in it.

import {
  Problems, at, isFields, readObject, readOptionalString, readString, show, type Fields,
} from './manifest-fields.js';
import { readParameters, type ManifestParameter } from './manifest-parameters.js';
import { buildWorkloads, readProfile, type ManifestProfile } from './manifest-profile.js';
import { readManifestInput } from './manifest-text.js';
import { MARGO_ID } from './manifest-wasm.js';

/** A checked ApplicationDescription; unknown top-level keys are dropped. */
export interface ApplicationDescription {
  kind: 'ApplicationDescription';
  apiVersion: string;
  metadata: { id: string; name: string; version: string; description?: string; catalog?: Fields };
  /** Every profile, Wasm or not; at least one is Wasm. */
  deploymentProfiles: ManifestProfile[];
  parameters: Record<string, ManifestParameter>;
  /** How a fleet manager shows parameters to a user; kept as written. */
  configuration?: Fields;
  /** Placement constraints (design.md §5); kept as written for device matching. */
  deviceConstraints?: Fields;
  source?: string;
}

/**
 * Parses and checks an ApplicationDescription from YAML or JSON text, or from an object already
 * parsed. Every Wasm component is checked with the description's parameter defaults applied.
 * Throws `bad-input` listing every problem, each with its field path.
 */
export function parseApplicationDescription(input: unknown, source?: string): ApplicationDescription {
  const doc = readManifestInput(input, source);
  const problems = new Problems(source);
  const top = readHeader(doc, 'ApplicationDescription', problems);
  if (!top) return problems.fail();
  const metadata = readMetadata(top, problems);
  const profiles = readProfiles(top.deploymentProfiles, problems);
  const parameters = readParameters(top.parameters, 'parameters', problems, true);
  if (profiles && parameters) checkTargets(profiles, parameters, problems);
  const extra: Pick<ApplicationDescription, 'configuration' | 'deviceConstraints'> = {};
  for (const key of ['configuration', 'deviceConstraints'] as const) {
    if (top[key] !== undefined) extra[key] = readObject(top[key], key, problems);
  }
  if (profiles && parameters) {
    const applied = Object.fromEntries(Object.entries(parameters).map(([name, p]) => [name, { ...p, strict: false }]));
    for (const profile of profiles) if (profile.wasm) buildWorkloads(profile, applied, problems);
  }
  problems.throwIfAny();
  // Each reader that returned undefined reported why, so none is undefined here.
  return {
    kind: 'ApplicationDescription', apiVersion: top.apiVersion as string, metadata: metadata!, deploymentProfiles: profiles!,
    parameters: parameters!, ...extra, ...(source === undefined ? {} : { source }),
  };
}

/** Checks `kind` and `apiVersion`; undefined (not to be read further) when not an object of `kind`. */
export function readHeader(doc: unknown, kind: string, problems: Problems): Fields | undefined {
  if (!isFields(doc)) return problems.add('', `expected a Margo ${kind} object, got ${show(doc)}`);
  if (doc.kind !== kind) return problems.add('kind', `expected "${kind}", got ${show(doc.kind)}`);
  const apiVersion = readString(doc.apiVersion, 'apiVersion', problems);
  if (apiVersion !== undefined && !/(^|\.)margo\.org\/v/.test(apiVersion)) {
    problems.add('apiVersion', `expected a margo.org API version (e.g. "margo.org/v1-alpha1"), got ${show(apiVersion)}`);
  }
  return doc;
}

function readMetadata(top: Fields, problems: Problems): ApplicationDescription['metadata'] | undefined {
  const meta = readObject(top.metadata, 'metadata', problems);
  if (!meta) return undefined;
  // Margo's schema puts the id in metadata; some of its examples put it at the top level.
  const id = readAppId(meta.id ?? top.id, meta.id === undefined && top.id !== undefined ? 'id' : 'metadata.id', problems);
  if (meta.id !== undefined && top.id !== undefined && meta.id !== top.id) {
    problems.add('id', `differs from metadata.id (${show(top.id)} vs ${show(meta.id)})`);
  }
  const name = readString(meta.name, 'metadata.name', problems);
  const version = readString(meta.version, 'metadata.version', problems);
  const description = readOptionalString(meta.description, 'metadata.description', problems);
  const catalog = meta.catalog === undefined ? undefined : readObject(meta.catalog, 'metadata.catalog', problems);
  if (id === undefined || name === undefined || version === undefined) return undefined;
  return { id, name, version, ...(description === undefined ? {} : { description }), ...(catalog ? { catalog } : {}) };
}

/** A Margo application id: lower case letters, digits and dashes, at most 200. */
export function readAppId(value: unknown, path: string, problems: Problems): string | undefined {
  const id = readString(value, path, problems);
  if (id === undefined || MARGO_ID.test(id)) return id;
  return problems.add(path, `${show(id)} is not a Margo application id (lower case letters, digits and '-', at most 200)`);
}

function readProfiles(value: unknown, problems: Problems): ManifestProfile[] | undefined {
  if (value === undefined) return problems.add('deploymentProfiles', 'required');
  if (!Array.isArray(value)) return problems.add('deploymentProfiles', `expected a list, got ${show(value)}`);
  const before = problems.list.length;
  const profiles: ManifestProfile[] = [];
  value.forEach((item, i) => {
    const profile = readProfile(item, at('deploymentProfiles', i), problems, true);
    if (!profile) return;
    if (profile.id !== undefined && profiles.some((p) => p.id === profile.id)) problems.add(at(at('deploymentProfiles', i), 'id'), `duplicate profile id "${profile.id}"`);
    profiles.push(profile);
  });
  if (problems.list.length !== before) return undefined;
  if (!profiles.some((p) => p.wasm)) {
    const found = [...new Set(profiles.map((p) => p.type))].join(', ') || 'none';
    return problems.add('deploymentProfiles', `no Wasm deployment profile (found: ${found})`);
  }
  return profiles;
}

/** Margo: a target's component MUST name a component of the deployment profiles. */
function checkTargets(profiles: ManifestProfile[], parameters: Record<string, ManifestParameter>, problems: Problems): void {
  const names = new Set(profiles.flatMap((p) => p.components.map((c) => c.name)));
  for (const [name, param] of Object.entries(parameters)) {
    param.targets.forEach((target, t) => {
      target.components.forEach((component, c) => {
        if (!names.has(component)) problems.add(at(at(at(at(at('parameters', name), 'targets'), t), 'components'), c), `no component "${component}" in any deployment profile`);
      });
    });
  }
}
