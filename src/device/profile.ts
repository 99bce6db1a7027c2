// What a device is and offers: its Margo identity and resources, and the Wasm facts
// matching needs (engine, WIT interfaces with the grant each needs, limits, peers).

import type { CapabilityProvider, InterfaceOffer } from '../capabilities/provider.js';
import { Issues, enumField, fromJsonText, joinPath, objectAt, show, unknownFields } from './json-check.js';
import { readEngine, readGrantKinds, readIdentity, readLabels, readLimits, readOffers, readPeers, readResources } from './profile-fields.js';
import type { GrantKey } from '../capabilities/grants.js';
import { COMMUNICATION_INTERFACE_TYPES, CPU_ARCHITECTURES, DEVICE_CLASSES, PERIPHERAL_TYPES } from './vocabulary.js';

/** `browser` and `linux` run components; an `embedded-peer` only offers capabilities through the bridge. */
export type DeviceClass = (typeof DEVICE_CLASSES)[number];
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];
export type PeripheralType = (typeof PERIPHERAL_TYPES)[number];
export type CommunicationInterfaceType = (typeof COMMUNICATION_INTERFACE_TYPES)[number];

/** Who the device is, as Margo device capabilities name it. */
export interface DeviceIdentity {
  /** RFC 3986 unreserved characters, `/` separating a gateway's id from a child's. */
  id: string;
  vendor: string;
  modelNumber: string;
  serialNumber: string;
}

/** One CPU entry (Margo reports a list). */
export interface Cpu { cores: number; architecture?: CpuArchitecture }
/** Peripheral hardware a workload may use. */
export interface Peripheral { type: PeripheralType; manufacturer?: string; model?: string }
/** A communication interface of the device. */
export interface CommunicationInterface { type: CommunicationInterfaceType }

/** What the device gives its workloads. */
export interface DeviceResources {
  cpu: Cpu[];
  /** Bytes. */
  memory: number;
  /** Bytes. */
  storage: number;
  peripherals: Peripheral[];
  interfaces: CommunicationInterface[];
}

/** A Margo label value: a scalar, or a list of strings or numbers. */
export type LabelValue = string | number | boolean | (string | number)[];
/** Supplier-defined metadata that `labelSelector` rules match. */
export type Labels = Record<string, LabelValue>;

/** The Wasm engine the host runs components with. */
export interface WasmEngine { name: 'jco'; version: string }
/** Per-device workload limits. */
export interface WorkloadLimits { maxWorkloads?: number; /** Bytes. */ memoryPerWorkload?: number }
/** An embedded peer connected through the bridge, with what it offers. */
export interface ConnectedPeer { id: string; interfaces: InterfaceOffer[] }

/** The Wasm side of a device: published under Margo's `x-wasmhost-extensions`. */
export interface WasmFacts {
  /** Absent when the device runs no components (an embedded peer, or a foreign Margo device). */
  engine?: WasmEngine;
  /** WIT interfaces offered, each with its version and the grant a deployment must give. */
  interfaces: InterfaceOffer[];
  limits: WorkloadLimits;
  peers: ConnectedPeer[];
  /**
   * The grant kinds this device can honor; a deployment asking for another is refused before
   * it runs (a browser has no directories to preopen). Absent: every kind.
   */
  grants?: GrantKey[];
}

/** A device as matching sees it: the same shape for all three classes. */
export interface DeviceProfile {
  /** Absent only for a Margo device that publishes no wasmhost facts. */
  class?: DeviceClass;
  identity: DeviceIdentity;
  resources: DeviceResources;
  labels: Labels;
  wasm: WasmFacts;
  /** Margo's `otelCollector`: whether an OpenTelemetry collector runs on the device. */
  otelCollector: boolean;
}

/** What `profileFromProviders` needs besides identity, resources and providers. */
export interface ProfileOptions {
  class: DeviceClass;
  engine?: WasmEngine;
  limits?: WorkloadLimits;
  labels?: Labels;
  peers?: ConnectedPeer[];
  /** The grant kinds the device can honor (default: every kind). */
  grants?: GrantKey[];
  /** Default false. */
  otelCollector?: boolean;
}

/**
 * The profile of a device whose host registers `providers`: the offered interfaces are the
 * providers' own offers (the same list `buildImports` serves), never a second list.
 */
export function profileFromProviders(identity: DeviceIdentity, resources: DeviceResources, providers: readonly CapabilityProvider[], options: ProfileOptions): DeviceProfile {
  const seen = new Set<string>();
  const interfaces: InterfaceOffer[] = [];
  for (const offer of providers.flatMap((p) => p.offers)) {
    const key = `${offer.name}@${offer.version ?? ''}`;
    if (seen.has(key)) continue; // buildImports serves an import from the first provider offering it
    seen.add(key);
    interfaces.push(offer);
  }
  // parseDeviceProfile copies everything it reads, and applies the checks a profile file gets.
  return parseDeviceProfile({
    class: options.class,
    identity,
    resources,
    labels: options.labels ?? {},
    otelCollector: options.otelCollector ?? false,
    wasm: {
      interfaces, limits: options.limits ?? {}, peers: options.peers ?? [],
      ...(options.engine ? { engine: options.engine } : {}), ...(options.grants ? { grants: options.grants } : {}),
    },
  });
}

/**
 * Checks a device profile read from JSON (text or parsed) and returns it typed. Memory and
 * storage may be bytes or quantities (`2Gi`). Throws `bad-input` listing every problem by field path.
 */
export function parseDeviceProfile(json: unknown): DeviceProfile {
  const issues = new Issues();
  const doc = fromJsonText(json, issues);
  const root = objectAt(doc, '', issues);
  if (!root) return issues.done() as never;
  unknownFields(root, ['class', 'identity', 'resources', 'labels', 'wasm', 'otelCollector'], '', issues);
  const deviceClass = enumField(root, 'class', DEVICE_CLASSES, '', issues);
  const identity = readIdentity(root.identity, 'identity', issues);
  const resources = readResources(root.resources, 'resources', issues);
  const labels = readLabels(root.labels ?? {}, 'labels', issues, true);
  const wasm = readWasm(root.wasm, 'wasm', deviceClass, issues);
  if (root.otelCollector !== undefined && typeof root.otelCollector !== 'boolean') issues.add('otelCollector', `expected true or false, got ${show(root.otelCollector)}`);
  issues.done();
  return { class: deviceClass!, identity: identity!, resources: resources!, labels: labels!, wasm: wasm!, otelCollector: root.otelCollector === true };
}

function readWasm(value: unknown, path: string, deviceClass: DeviceClass | undefined, issues: Issues): WasmFacts | undefined {
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  unknownFields(obj, ['engine', 'interfaces', 'limits', 'peers', 'grants'], path, issues);
  const facts: WasmFacts = {
    interfaces: readOffers(obj.interfaces ?? [], joinPath(path, 'interfaces'), issues) ?? [],
    limits: readLimits(obj.limits ?? {}, joinPath(path, 'limits'), issues) ?? {},
    peers: readPeers(obj.peers ?? [], joinPath(path, 'peers'), issues) ?? [],
  };
  if (obj.engine !== undefined) {
    if (deviceClass === 'embedded-peer') issues.add(joinPath(path, 'engine'), 'an embedded-peer runs no Wasm engine; leave engine out');
    const engine = readEngine(obj.engine, joinPath(path, 'engine'), issues);
    if (engine) facts.engine = engine;
  }
  if (obj.grants !== undefined) {
    const grants = readGrantKinds(obj.grants, joinPath(path, 'grants'), issues);
    if (grants) facts.grants = grants;
  }
  return facts;
}
