// Readers for the parts of a device profile, shared by parseDeviceProfile and
// fromDeviceCapabilitiesManifest so both check a field the same way.

import type { InterfaceOffer } from '../capabilities/provider.js';
import type { GrantKey } from '../capabilities/grants.js';
import { Issues, enumField, integerField, joinPath, listAt, objectAt, show, stringField, unknownFields, type JsonObject } from './json-check.js';
import { parseBytes } from './quantity.js';
import type {
  CommunicationInterface, ConnectedPeer, Cpu, DeviceIdentity, DeviceResources,
  Labels, LabelValue, Peripheral, WasmEngine, WorkloadLimits,
} from './profile.js';
import { COMMUNICATION_INTERFACE_TYPES, CPU_ARCHITECTURES, PERIPHERAL_TYPES, WASMHOST_LABEL_PREFIX } from './vocabulary.js';

// Typed as a record over GrantKey, so a grant added to Grants without a line here fails to compile.
const GRANTS: Record<GrantKey, true> = { keyvalue: true, messaging: true, sensors: true, actuators: true, filesystem: true, env: true, network: true, http: true, display: true, interfaces: true };
export const GRANT_KEYS = Object.keys(GRANTS) as GrantKey[];

/** RFC 3986 unreserved characters, with `/` between a gateway's id and its children's. */
const DEVICE_ID = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const INTERFACE_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)*\/[a-z][a-z0-9-]*$/;
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export function readIdentityFields(obj: JsonObject, path: string, issues: Issues): DeviceIdentity | undefined {
  const id = stringField(obj, 'id', path, issues);
  if (id !== undefined && !DEVICE_ID.test(id)) issues.add(joinPath(path, 'id'), `${show(id)} may hold only letters, digits, '-', '.', '_', '~' and '/' between parts (RFC 3986 unreserved)`);
  const vendor = stringField(obj, 'vendor', path, issues);
  const modelNumber = stringField(obj, 'modelNumber', path, issues);
  const serialNumber = stringField(obj, 'serialNumber', path, issues);
  return id && vendor && modelNumber && serialNumber ? { id, vendor, modelNumber, serialNumber } : undefined;
}

export function readIdentity(value: unknown, path: string, issues: Issues): DeviceIdentity | undefined {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  unknownFields(obj, ['id', 'vendor', 'modelNumber', 'serialNumber'], path, issues);
  return readIdentityFields(obj, path, issues);
}

export function readResources(value: unknown, path: string, issues: Issues): DeviceResources | undefined {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  unknownFields(obj, ['cpu', 'memory', 'storage', 'peripherals', 'interfaces'], path, issues);
  const cpu = readCpus(obj.cpu ?? [], joinPath(path, 'cpu'), issues);
  const memory = readBytes(obj.memory, joinPath(path, 'memory'), issues);
  const storage = readBytes(obj.storage, joinPath(path, 'storage'), issues);
  const peripherals = readPeripherals(obj.peripherals ?? [], joinPath(path, 'peripherals'), issues);
  const interfaces = readInterfaces(obj.interfaces ?? [], joinPath(path, 'interfaces'), issues);
  return cpu && memory !== undefined && storage !== undefined && peripherals && interfaces ? { cpu, memory, storage, peripherals, interfaces } : undefined;
}

/** Bytes from a number or a quantity (`2Gi`, `59 Gi`); `required` when absent. */
export function readBytes(value: unknown, path: string, issues: Issues): number | undefined {
  if (value === undefined) return issues.add(path, 'required');
  const bytes = parseBytes(value);
  return bytes ?? issues.add(path, `${show(value)} is not an amount of bytes (a number, or a quantity like 512Mi, 2Gi)`);
}

function readList<T>(value: unknown, path: string, issues: Issues, item: (obj: JsonObject, path: string) => T | undefined): T[] | undefined {
  const list = listAt(value, path, issues);
  if (!list) return undefined;
  const out: T[] = [];
  list.forEach((entry, i) => {
    const obj = objectAt(entry, joinPath(path, i), issues);
    const read = obj && item(obj, joinPath(path, i));
    if (read) out.push(read);
  });
  return out.length === list.length ? out : undefined;
}

export function readCpus(value: unknown, path: string, issues: Issues): Cpu[] | undefined {
  return readList(value, path, issues, (obj, at) => {
    unknownFields(obj, ['cores', 'architecture'], at, issues);
    const cores = obj.cores;
    if (typeof cores !== 'number' || !(cores > 0)) return issues.add(joinPath(at, 'cores'), `expected a number of cores > 0, got ${show(cores)}`);
    const architecture = enumField(obj, 'architecture', CPU_ARCHITECTURES, at, issues, true);
    return architecture ? { cores, architecture } : obj.architecture === undefined ? { cores } : undefined;
  });
}

export function readPeripherals(value: unknown, path: string, issues: Issues): Peripheral[] | undefined {
  return readList(value, path, issues, (obj, at) => {
    unknownFields(obj, ['type', 'manufacturer', 'model'], at, issues);
    const type = enumField(obj, 'type', PERIPHERAL_TYPES, at, issues);
    const manufacturer = stringField(obj, 'manufacturer', at, issues, true);
    const model = stringField(obj, 'model', at, issues, true);
    if (!type) return undefined;
    const p: Peripheral = { type };
    if (manufacturer) p.manufacturer = manufacturer;
    if (model) p.model = model;
    return p;
  });
}

export function readInterfaces(value: unknown, path: string, issues: Issues): CommunicationInterface[] | undefined {
  return readList(value, path, issues, (obj, at) => {
    unknownFields(obj, ['type'], at, issues);
    const type = enumField(obj, 'type', COMMUNICATION_INTERFACE_TYPES, at, issues);
    return type ? { type } : undefined;
  });
}

/** Labels: strings, numbers, booleans or lists of strings or numbers. `own` refuses the derived `wasmhost.dev/` keys. */
export function readLabels(value: unknown, path: string, issues: Issues, own: boolean): Labels | undefined {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  const labels: Labels = {};
  let ok = true;
  for (const [key, v] of Object.entries(obj)) {
    const at = `${path}[${JSON.stringify(key)}]`;
    if (own && key.startsWith(WASMHOST_LABEL_PREFIX)) ok = !!issues.add(at, `keys under '${WASMHOST_LABEL_PREFIX}' are derived from the Wasm facts; pick another key`);
    else if (isLabelValue(v)) labels[key] = Array.isArray(v) ? [...v] : v;
    else ok = !!issues.add(at, `expected a string, number, boolean, or a non-empty list of strings or numbers, got ${show(v)}`);
  }
  return ok ? labels : undefined;
}

function isLabelValue(v: unknown): v is LabelValue {
  if (Array.isArray(v)) return v.length > 0 && v.every((e) => typeof e === 'string' || typeof e === 'number');
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function readOffers(value: unknown, path: string, issues: Issues): InterfaceOffer[] | undefined {
  return readList(value, path, issues, (obj, at) => {
    unknownFields(obj, ['name', 'version', 'grant'], at, issues);
    const name = stringField(obj, 'name', at, issues);
    if (name !== undefined && !INTERFACE_NAME.test(name)) return issues.add(joinPath(at, 'name'), `${show(name)} is not a WIT interface name without version (namespace:package/interface)`);
    const version = stringField(obj, 'version', at, issues, true);
    if (version !== undefined && !VERSION.test(version)) return issues.add(joinPath(at, 'version'), `${show(version)} is not a semantic version (1.2.3, 0.2.0-draft)`);
    const grant = obj.grant === undefined ? undefined : enumField(obj, 'grant', GRANT_KEYS, at, issues);
    if (!name || (obj.grant !== undefined && !grant)) return undefined;
    const offer: InterfaceOffer = { name };
    if (version) offer.version = version;
    if (grant) offer.grant = grant;
    return offer;
  });
}

export function readLimits(value: unknown, path: string, issues: Issues): WorkloadLimits | undefined {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  unknownFields(obj, ['maxWorkloads', 'memoryPerWorkload'], path, issues);
  const limits: WorkloadLimits = {};
  const max = integerField(obj, 'maxWorkloads', path, issues, true, 1);
  if (max !== undefined) limits.maxWorkloads = max;
  if (obj.memoryPerWorkload !== undefined) {
    const bytes = readBytes(obj.memoryPerWorkload, joinPath(path, 'memoryPerWorkload'), issues);
    if (bytes !== undefined) limits.memoryPerWorkload = bytes;
  }
  return limits;
}

export function readPeers(value: unknown, path: string, issues: Issues): ConnectedPeer[] | undefined {
  return readList(value, path, issues, (obj, at) => {
    unknownFields(obj, ['id', 'interfaces'], at, issues);
    const id = stringField(obj, 'id', at, issues);
    const interfaces = readOffers(obj.interfaces ?? [], joinPath(at, 'interfaces'), issues);
    return id && interfaces ? { id, interfaces } : undefined;
  });
}

export function readEngine(value: unknown, path: string, issues: Issues): WasmEngine | undefined {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  unknownFields(obj, ['name', 'version'], path, issues);
  const name = enumField(obj, 'name', ['jco'] as const, path, issues);
  const version = stringField(obj, 'version', path, issues);
  return name && version ? { name, version } : undefined;
}

/** The grant kinds a device can honor (`wasm.grants`): a list of distinct grant keys. */
export function readGrantKinds(value: unknown, path: string, issues: Issues): GrantKey[] | undefined {
  if (!Array.isArray(value)) return issues.add(path, `expected a list of grant names (${GRANT_KEYS.join(', ')}), got ${show(value)}`);
  const kinds: GrantKey[] = [];
  value.forEach((v, i) => {
    if (typeof v !== 'string' || !(GRANT_KEYS as string[]).includes(v)) issues.add(joinPath(path, i), `expected one of ${GRANT_KEYS.join(', ')}, got ${show(v)}`);
    else if (kinds.includes(v as GrantKey)) issues.add(joinPath(path, i), `${show(v)} is listed twice`);
    else kinds.push(v as GrantKey);
  });
  return kinds;
}
