// Checks a device's DeviceCapabilitiesManifest against docs/device-classes.md section 7
// (MGO-1…4), the class's grants (BRW-4) and what it must not claim (OCI-1, OCI-5). Pure:
// the page and Node targets hand it the manifest their device publishes.
import { BROWSER_GRANTS, type WorkloadClass } from '../device/class-profile.js';

type Json = Record<string, unknown>;

const PROPERTIES = ['id', 'vendor', 'modelNumber', 'serialNumber', 'cpus', 'memory', 'storage', 'peripherals', 'interfaces', 'otelCollector', 'supportedRuntimes', 'supportedDeploymentTypes'];
const LABELS = ['wasmhost.dev/class', 'wasmhost.dev/engine', 'wasmhost.dev/engine-version', 'wasmhost.dev/interfaces'];
const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei)?$/;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: readonly string[]) => Array.isArray(a) && a.length === b.length && b.every((x) => a.includes(x));

/** The problems of a manifest, each starting with the requirement it breaks; empty when it conforms. */
export function manifestProblems(manifest: unknown, deviceClass: WorkloadClass, offered: readonly { name: string; version?: string }[]): string[] {
  const problems: string[] = [];
  if (!isObject(manifest)) return ['WL-15: the manifest is not a JSON object'];
  const props = isObject(manifest.properties) ? manifest.properties : {};
  for (const key of PROPERTIES) if (props[key] === undefined) problems.push(`MGO-1: properties.${key} is missing`);
  for (const key of ['memory', 'storage']) if (props[key] !== undefined && !(typeof props[key] === 'string' && QUANTITY.test(props[key]))) problems.push(`MGO-1: properties.${key} ${JSON.stringify(props[key])} is not a binary quantity`);
  if (Array.isArray(props.cpus)) {
    for (const cpu of props.cpus as Json[]) if (cpu.architecture !== undefined && !['amd64', 'arm64', 'arm'].includes(String(cpu.architecture))) problems.push(`MGO-1: cpu architecture ${String(cpu.architecture)} is not amd64, arm64 or arm`);
  }
  if (props.supportedRuntimes !== undefined && !same(props.supportedRuntimes, ['custom'])) problems.push(`OCI-1: supportedRuntimes is ${JSON.stringify(props.supportedRuntimes)}, not ["custom"] (OCI-5: never oci without an OCI runtime)`);
  if (props.supportedDeploymentTypes !== undefined && !same(props.supportedDeploymentTypes, ['custom'])) problems.push(`OCI-1: supportedDeploymentTypes is ${JSON.stringify(props.supportedDeploymentTypes)}, not ["custom"]`);
  const ext = manifest['x-wasmhost-extensions'];
  if (!isObject(ext)) return [...problems, 'MGO-2: x-wasmhost-extensions is missing'];
  if (ext.class !== deviceClass) problems.push(`MGO-2: x-wasmhost-extensions.class is ${JSON.stringify(ext.class)}, not ${deviceClass}`);
  if (!isObject(ext.engine) || typeof ext.engine.name !== 'string' || typeof ext.engine.version !== 'string') problems.push('MGO-4: a device that runs workloads reports x-wasmhost-extensions.engine {name, version}');
  const listed = new Map((Array.isArray(ext.interfaces) ? (ext.interfaces as Json[]) : []).map((i) => [String(i.name), i]));
  const missing = offered.filter((o) => !listed.has(o.name)).map((o) => o.name);
  if (missing.length) problems.push(`MGO-2: x-wasmhost-extensions.interfaces leaves out offered ${missing.join(', ')}`);
  for (const key of ['limits', 'peers']) if (ext[key] === undefined) problems.push(`MGO-2: x-wasmhost-extensions.${key} is missing`);
  if (deviceClass === 'browser' && !same(ext.grants, BROWSER_GRANTS)) problems.push(`BRW-4: x-wasmhost-extensions.grants is ${JSON.stringify(ext.grants)}, not ${JSON.stringify(BROWSER_GRANTS)}`);
  if (deviceClass === 'linux' && ext.grants !== undefined) problems.push(`LNX-2: x-wasmhost-extensions.grants ${JSON.stringify(ext.grants)} leaves out kinds a Linux device honors (absent means every kind)`);
  const labels = isObject(manifest.labels) ? manifest.labels : {};
  for (const key of LABELS) if (labels[key] === undefined) problems.push(`MGO-3: label ${key} is missing`);
  if (labels['wasmhost.dev/class'] !== undefined && labels['wasmhost.dev/class'] !== deviceClass) problems.push(`MGO-3: label wasmhost.dev/class is ${String(labels['wasmhost.dev/class'])}`);
  return problems;
}
