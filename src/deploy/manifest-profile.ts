// Margo deployment profiles (`{id, type, components[{name, properties}]}`) and turning a
// Wasm profile plus parameters into workload specs.

import type { WorkloadSpec } from './types.js';
import {
  Problems, at, isFields, readList, readObject, readOptionalString, readString, type Fields, type ManifestProblem,
} from './manifest-fields.js';
import { parsePointer, setAtPointer, type ManifestParameter, type Origin } from './manifest-parameters.js';
import { isWasmProfile, readComponentName, readWasmProperties } from './manifest-wasm.js';

/** One component of a profile, its properties as written (checked when the profile is Wasm). */
export interface ManifestComponent { name: string; properties: unknown }

/** A deployment profile of a description, or the one a deployment carries inline. */
export interface ManifestProfile {
  id?: string;
  type: string;
  /** True for `wasm.component`, and for `custom` with Wasm components. */
  wasm: boolean;
  components: ManifestComponent[];
  /** Margo's and design.md's placement facts, kept as written for device matching. */
  requiredResources?: Fields;
  deviceConstraints?: Fields;
  origin: Origin;
}

/** A parameter as applied: `strict` when a target naming no component of the profile is an error. */
export type AppliedParameter = ManifestParameter & { strict: boolean };

/**
 * Reads a profile's shape. Components of non-Wasm profiles are only read for their names.
 * `idRequired`: a description's Wasm profiles need an id (Margo); a deployment's inline one not.
 */
export function readProfile(value: unknown, path: string, problems: Problems, idRequired: boolean): ManifestProfile | undefined {
  const obj = readObject(value, path, problems);
  if (!obj) return undefined;
  const before = problems.list.length;
  const type = readString(obj.type, at(path, 'type'), problems);
  const wasm = isWasmProfile(obj.type, obj.components);
  const id = wasm && idRequired ? readString(obj.id, at(path, 'id'), problems) : readOptionalString(obj.id, at(path, 'id'), problems);
  const components: ManifestComponent[] = [];
  const list = readList(obj.components, at(path, 'components'), problems);
  if (list && list.length === 0) problems.add(at(path, 'components'), 'expected at least one component, got an empty list');
  list?.forEach((item, i) => {
    const cpath = at(at(path, 'components'), i);
    const component = readObject(item, cpath, problems);
    if (!component) return;
    const name = wasm ? readComponentName(component.name, at(cpath, 'name'), problems) : readString(component.name, at(cpath, 'name'), problems);
    if (name === undefined) return;
    if (components.some((c) => c.name === name)) problems.add(at(cpath, 'name'), `duplicate component name "${name}"`);
    components.push({ name, properties: component.properties });
  });
  const extra: Pick<ManifestProfile, 'requiredResources' | 'deviceConstraints'> = {};
  for (const key of ['requiredResources', 'deviceConstraints'] as const) {
    if (obj[key] !== undefined) extra[key] = readObject(obj[key], at(path, key), problems);
  }
  if (problems.list.length !== before || type === undefined) return undefined;
  const origin = problems.source === undefined ? { path } : { source: problems.source, path };
  return { ...(id === undefined ? {} : { id }), type, wasm, components, ...extra, origin };
}

/**
 * Applies `params` to the components of a Wasm profile and reads each into a workload spec.
 * A problem in a value a parameter set says so (`... (set by parameter "threshold")`).
 */
export function buildWorkloads(profile: ManifestProfile, params: Record<string, AppliedParameter>, problems: Problems): WorkloadSpec[] | undefined {
  const before = problems.list.length;
  const { props, setBy } = applyParameters(profile, params, problems);
  const specs: WorkloadSpec[] = [];
  profile.components.forEach((component, i) => {
    const own = new Problems(profile.origin.source);
    const spec = readWasmProperties(component.name, props[i], profile.type, propertiesPath(profile, i), own);
    problems.addAll(own.list.map((p) => blame(p, setBy)));
    if (spec) specs.push(spec);
  });
  return problems.list.length === before ? specs : undefined;
}

const propertiesPath = (profile: ManifestProfile, i: number) => at(at(at(profile.origin.path, 'components'), i), 'properties');

/** Copies of the components' properties with the parameter values set, and which parameter wrote where. */
function applyParameters(profile: ManifestProfile, params: Record<string, AppliedParameter>, problems: Problems) {
  // Plain JSON data (from YAML or JSON), so a JSON round trip is a deep copy.
  const props = profile.components.map((c) => (c.properties === undefined ? undefined : JSON.parse(JSON.stringify(c.properties)) as unknown));
  const setBy: { path: string; param: string }[] = [];
  for (const [name, param] of Object.entries(params)) {
    const value = param.value;
    if (value === undefined) continue;
    param.targets.forEach((target, t) => {
      const targetPath = at(at(param.origin.path, 'targets'), t);
      const indexes = target.components.map((componentName, c) => {
        const i = profile.components.findIndex((comp) => comp.name === componentName);
        if (i < 0 && param.strict) {
          const names = profile.components.map((comp) => comp.name).join(', ');
          addAt(problems, param.origin.source, at(at(targetPath, 'components'), c), `no component "${componentName}" in the deployment profile (components: ${names})`);
        }
        return i;
      }).filter((i) => i >= 0);
      if (indexes.length === 0) return;
      const parsed = parsePointer(target.pointer);
      if ('error' in parsed) return addAt(problems, param.origin.source, at(targetPath, 'pointer'), parsed.error);
      for (const i of indexes) {
        const root = props[i];
        if (!isFields(root)) continue; // reported when the properties are read
        const set = setAtPointer(root, parsed.tokens, value, propertiesPath(profile, i));
        if ('error' in set) addAt(problems, param.origin.source, at(targetPath, 'pointer'), set.error);
        else setBy.push({ path: set.wrote, param: name });
      }
    });
  }
  return { props, setBy };
}

/** Records a problem in another document than the collector's own. */
export function addAt(problems: Problems, source: string | undefined, path: string, message: string): void {
  problems.addAll([source === undefined ? { path, message } : { source, path, message }]);
}

/** Adds which parameter set a bad value, when one did. */
function blame(problem: ManifestProblem, setBy: readonly { path: string; param: string }[]): ManifestProblem {
  const hit = setBy.find((s) => problem.path === s.path || problem.path.startsWith(`${s.path}.`) || problem.path.startsWith(`${s.path}[`));
  return hit ? { ...problem, message: `${problem.message} (set by parameter "${hit.param}")` } : problem;
}
