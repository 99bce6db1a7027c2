// A device profile as a Margo DeviceCapabilitiesManifest and back. Margo fields keep
// Margo's names; the Wasm facts go in the root extension `x-wasmhost-extensions` (Margo's
// `x-<unique-name>-extensions` convention), and a flat copy of the main ones goes in
// `labels` under `wasmhost.dev/` so plain `labelSelector` rules can match them.

import type { InterfaceOffer } from '../capabilities/provider.js';
import type { GrantKey } from '../capabilities/grants.js';
import { Issues, enumField, fromJsonText, joinPath, listAt, objectAt, show } from './json-check.js';
import { formatBytes } from './quantity.js';
import { readBytes, readCpus, readEngine, readGrantKinds, readIdentityFields, readInterfaces, readLabels, readLimits, readOffers, readPeers, readPeripherals } from './profile-fields.js';
import { DEVICE_CLASSES, WASMHOST_LABEL_PREFIX } from './vocabulary.js';
import type { CommunicationInterface, ConnectedPeer, DeviceClass, DeviceProfile, Labels, Peripheral, WasmEngine } from './profile.js';
import { parseDeviceProfile } from './profile.js';

const MARGO_ARCHITECTURES: readonly string[] = ['amd64', 'arm64', 'arm'];
/** The root extension property holding the Wasm facts. */
export const WASMHOST_EXTENSION = 'x-wasmhost-extensions';

/** Margo's device `properties`; the workload-hosting fields are absent for a device that hosts none. */
export interface MargoDeviceProperties {
  id: string;
  vendor: string;
  modelNumber: string;
  serialNumber: string;
  /** rc.3's name (earlier drafts said `cpu`). */
  cpus?: { cores: number; architecture?: string }[];
  /** Binary quantity (`2Gi`). */
  memory?: string;
  storage?: string;
  peripherals?: Peripheral[];
  interfaces?: CommunicationInterface[];
  otelCollector?: boolean;
  supportedRuntimes?: string[];
  supportedDeploymentTypes?: string[];
}

/** The content of `x-wasmhost-extensions`. */
export interface WasmhostExtension {
  class: DeviceClass;
  engine?: WasmEngine;
  interfaces: InterfaceOffer[];
  limits: { maxWorkloads?: number; /** Binary quantity. */ memoryPerWorkload?: string };
  peers: ConnectedPeer[];
  /** The grant kinds the device can honor; absent: every kind. */
  grants?: GrantKey[];
  /** An embedded peer's sensors and actuators (see `peerCapabilitiesManifest`). */
  sensors?: PeerDeviceFacts['sensors'];
  actuators?: PeerDeviceFacts['actuators'];
}

/**
 * Margo rc.3's device capabilities document (`PUT /api/v1/capabilities/{deviceId}`): `properties`,
 * `labels` and `x-<name>-extensions` only (rc.3 forbids other top-level members, so no
 * `apiVersion`/`kind`).
 */
export interface DeviceCapabilitiesManifest {
  properties: MargoDeviceProperties;
  labels?: Labels;
  'x-wasmhost-extensions'?: WasmhostExtension;
  [extension: `x-${string}-extensions`]: unknown;
}

/**
 * The manifest a device publishes. Browser and linux devices host workloads: Margo's
 * `custom` runtime and deployment type. An embedded peer hosts none, so (as Margo asks of
 * non-hosting devices) it leaves out cpu, memory, storage, otelCollector and the supported lists.
 */
export function toDeviceCapabilitiesManifest(profile: DeviceProfile): DeviceCapabilitiesManifest {
  const { identity, resources } = profile;
  const properties: MargoDeviceProperties = { ...identity };
  const hosts = profile.class !== 'embedded-peer';
  if (hosts) {
    // rc.3 knows amd64, arm64 and arm; another architecture is left unsaid.
    properties.cpus = resources.cpu.map(({ cores, architecture }) => (architecture && MARGO_ARCHITECTURES.includes(architecture) ? { cores, architecture } : { cores }));
    properties.memory = formatBytes(resources.memory);
    properties.storage = formatBytes(resources.storage);
  }
  // rc.3's peripheral and interface enumerations have no `other`: such entries are left out.
  properties.peripherals = resources.peripherals.filter((p) => p.type !== 'other').map((p) => ({ ...p }));
  properties.interfaces = resources.interfaces.filter((i) => i.type !== 'other').map((i) => ({ ...i }));
  if (hosts) {
    properties.otelCollector = profile.otelCollector;
    if (profile.class) {
      properties.supportedRuntimes = ['custom'];
      properties.supportedDeploymentTypes = ['custom'];
    }
  }
  const manifest: DeviceCapabilitiesManifest = { properties };
  const labels: Labels = { ...profile.labels };
  if (profile.class) {
    Object.assign(labels, derivedLabels(profile));
    manifest[WASMHOST_EXTENSION] = extensionOf(profile, profile.class);
  }
  if (Object.keys(labels).length) manifest.labels = labels;
  return manifest;
}

function extensionOf(profile: DeviceProfile, deviceClass: DeviceClass): WasmhostExtension {
  const { engine, interfaces, limits, peers } = profile.wasm;
  const ext: WasmhostExtension = { class: deviceClass, interfaces: interfaces.map((o) => ({ ...o })), limits: {}, peers: peers.map((p) => ({ id: p.id, interfaces: p.interfaces.map((o) => ({ ...o })) })) };
  if (engine) ext.engine = { ...engine };
  if (profile.wasm.grants) ext.grants = [...profile.wasm.grants];
  if (limits.maxWorkloads !== undefined) ext.limits.maxWorkloads = limits.maxWorkloads;
  if (limits.memoryPerWorkload !== undefined) ext.limits.memoryPerWorkload = formatBytes(limits.memoryPerWorkload);
  return ext;
}

/** `wasmhost.dev/class`, `…/engine`, `…/engine-version`, `…/interfaces` (`name@version` each). */
function derivedLabels(profile: DeviceProfile): Labels {
  const labels: Labels = { [`${WASMHOST_LABEL_PREFIX}class`]: profile.class! };
  const { engine, interfaces } = profile.wasm;
  if (engine) {
    labels[`${WASMHOST_LABEL_PREFIX}engine`] = engine.name;
    labels[`${WASMHOST_LABEL_PREFIX}engine-version`] = engine.version;
  }
  if (interfaces.length) labels[`${WASMHOST_LABEL_PREFIX}interfaces`] = interfaces.map((o) => (o.version ? `${o.name}@${o.version}` : o.name));
  return labels;
}

/**
 * Reads a Margo device capabilities manifest (text or parsed) into a profile, so a fleet's
 * manifests can be matched. Unknown properties and other suppliers' extensions are ignored,
 * as Margo requires. A manifest without `x-wasmhost-extensions` gives a profile with no
 * class and no engine: a device that runs no components. Throws `bad-input` listing every problem.
 */
export function fromDeviceCapabilitiesManifest(json: unknown): DeviceProfile {
  const issues = new Issues();
  const root = objectAt(fromJsonText(json, issues), '', issues);
  if (!root) return issues.done() as never;
  const props = objectAt(root.properties, 'properties', issues) ?? {};
  const identity = readIdentityFields(props, 'properties', issues);
  const cpu = props.cpus !== undefined || props.cpu === undefined ? readCpus(props.cpus ?? [], 'properties.cpus', issues) : readCpus(props.cpu, 'properties.cpu', issues);
  const memory = props.memory === undefined ? 0 : readBytes(props.memory, 'properties.memory', issues);
  const storage = props.storage === undefined ? 0 : readBytes(props.storage, 'properties.storage', issues);
  const peripherals = readPeripherals(props.peripherals ?? [], 'properties.peripherals', issues);
  const interfaces = readInterfaces(props.interfaces ?? [], 'properties.interfaces', issues);
  if (props.otelCollector !== undefined && typeof props.otelCollector !== 'boolean') issues.add('properties.otelCollector', `expected true or false, got ${show(props.otelCollector)}`);
  for (const key of ['supportedRuntimes', 'supportedDeploymentTypes']) {
    if (props[key] !== undefined) listAt(props[key], joinPath('properties', key), issues)?.forEach((v, i) => typeof v === 'string' || issues.add(joinPath(joinPath('properties', key), i), `expected a string, got ${show(v)}`));
  }
  const labels = root.labels === undefined ? {} : readLabels(root.labels, 'labels', issues, false);
  const ext = root[WASMHOST_EXTENSION] === undefined ? undefined : readExtension(root[WASMHOST_EXTENSION], WASMHOST_EXTENSION, issues);
  issues.done();

  const own = Object.fromEntries(Object.entries(labels!).filter(([k]) => !k.startsWith(WASMHOST_LABEL_PREFIX)));
  const profile: DeviceProfile = {
    identity: identity!,
    resources: { cpu: cpu!, memory: memory!, storage: storage!, peripherals: peripherals!, interfaces: interfaces! },
    labels: own,
    otelCollector: props.otelCollector === true,
    wasm: { interfaces: ext?.interfaces ?? [], limits: ext?.limits ?? {}, peers: ext?.peers ?? [] },
  };
  if (ext) profile.class = ext.class;
  if (ext?.engine) profile.wasm.engine = ext.engine;
  if (ext?.grants) profile.wasm.grants = ext.grants;
  return profile;
}

function readExtension(value: unknown, path: string, issues: Issues) {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  const deviceClass = enumField(obj, 'class', DEVICE_CLASSES, path, issues);
  const engine = obj.engine === undefined ? undefined : readEngine(obj.engine, joinPath(path, 'engine'), issues);
  const interfaces = readOffers(obj.interfaces ?? [], joinPath(path, 'interfaces'), issues);
  const limits = readLimits(obj.limits ?? {}, joinPath(path, 'limits'), issues);
  const peers = readPeers(obj.peers ?? [], joinPath(path, 'peers'), issues);
  const grants = obj.grants === undefined ? undefined : readGrantKinds(obj.grants, joinPath(path, 'grants'), issues);
  if (!deviceClass || !interfaces || !limits || !peers) return undefined;
  return { class: deviceClass, engine, interfaces, limits, peers, grants };
}

/** A device profile from either form a fleet folder may hold: a Margo DeviceCapabilitiesManifest or wasmhost's own profile. */
export function readDeviceProfile(json: unknown): DeviceProfile {
  const doc = json as { kind?: unknown; properties?: unknown; identity?: unknown } | null;
  const margo = doc?.kind === 'DeviceCapabilitiesManifest' || (doc?.properties !== undefined && doc?.identity === undefined);
  return margo ? fromDeviceCapabilitiesManifest(json) : parseDeviceProfile(json);
}

/** What the bridge knows of an online embedded peer (its birth), as a child device needs it. */
export interface PeerDeviceFacts {
  id: string;
  /** The peer's own class name from its birth (e.g. `esp32-sensor`): its model. */
  model: string;
  interfaces: InterfaceOffer[];
  sensors: { name: string; unit: string; kind: string }[];
  actuators: { name: string; unit: string; kind: string; min?: number; max?: number }[];
}

/** Sensor and actuator kinds that are Margo peripheral types. */
const PERIPHERAL_KINDS: readonly string[] = ['camera', 'microphone', 'speaker', 'display'];

/**
 * The DeviceCapabilitiesManifest of an embedded peer reported as a child of `gatewayId`
 * (rc.3: `deviceId` `<gateway>/<peer>`). It hosts no workloads, so the hosting fields are
 * absent (a "see-thru" gateway's child); sensors and actuators whose kind is a Margo peripheral
 * type are peripherals, and all of them (with the WIT interfaces the peer implements) are in
 * `x-wasmhost-extensions` and in `wasmhost.dev/` labels, so deployments can target them.
 */
export function peerCapabilitiesManifest(gatewayId: string, peer: PeerDeviceFacts): DeviceCapabilitiesManifest {
  const parts = [...peer.sensors, ...peer.actuators];
  const peripherals = parts.filter((p) => PERIPHERAL_KINDS.includes(p.kind)).map((p) => ({ type: p.kind as Peripheral['type'], model: p.name }));
  const properties: MargoDeviceProperties = { id: `${gatewayId}/${peer.id}`, vendor: 'unknown', modelNumber: peer.model, serialNumber: peer.id };
  if (peripherals.length) properties.peripherals = peripherals;
  const labels: Labels = { [`${WASMHOST_LABEL_PREFIX}class`]: 'embedded-peer', [`${WASMHOST_LABEL_PREFIX}gateway`]: gatewayId };
  if (peer.sensors.length) labels[`${WASMHOST_LABEL_PREFIX}sensors`] = peer.sensors.map((s) => s.name);
  if (peer.actuators.length) labels[`${WASMHOST_LABEL_PREFIX}actuators`] = peer.actuators.map((a) => a.name);
  if (peer.interfaces.length) labels[`${WASMHOST_LABEL_PREFIX}interfaces`] = peer.interfaces.map((o) => (o.version ? `${o.name}@${o.version}` : o.name));
  const extension = {
    class: 'embedded-peer' as const, interfaces: peer.interfaces.map((o) => ({ ...o })), limits: {}, peers: [],
    sensors: peer.sensors.map((x) => ({ ...x })), actuators: peer.actuators.map((x) => ({ ...x })),
  };
  return { properties, labels, [WASMHOST_EXTENSION]: extension };
}
