// The standard profile of a device class: what every device of the class offers
// (docs/device-classes.md), as opposed to one machine's profile. `check --class` matches
// against it; the class worlds in wit/workload.wit import exactly these interfaces.
import type { CapabilityProvider } from '../capabilities/provider.js';
import type { GrantKey } from '../capabilities/grants.js';
import { profileFromProviders, type DeviceProfile, type WasmEngine } from './profile.js';

/** The classes that run workloads (an embedded peer hosts none). */
export type WorkloadClass = 'browser' | 'linux';
export const WORKLOAD_CLASSES: readonly WorkloadClass[] = ['browser', 'linux'];

/**
 * Interfaces a page never offers (BRW-3): the browser shim's sockets fail on every call, and
 * `wasi:http` answers through a Promise a synchronous import cannot wait for (that needs JSPI).
 */
export const NOT_IN_BROWSERS = /^wasi:(sockets|http)\//;

/**
 * The grant kinds a page honors (BRW-4). No `filesystem`: a page has no directories to
 * preopen. No `network`: a workload's sockets or outgoing HTTP would act with the page's origin.
 */
export const BROWSER_GRANTS: GrantKey[] = ['keyvalue', 'messaging', 'sensors', 'actuators', 'env', 'display', 'interfaces'];

/** What a class offers of these providers (the reference host's providers for a Linux device). */
export function classProviders(deviceClass: WorkloadClass, providers: readonly CapabilityProvider[]): CapabilityProvider[] {
  if (deviceClass === 'linux') return [...providers];
  return providers.map((p) => ({ ...p, offers: p.offers.filter((o) => !NOT_IN_BROWSERS.test(o.name)) }));
}

/**
 * The standard profile of a class: its interfaces, versions and grants, without one machine's
 * identity, resources or peers (so a match against it answers for every device of the class).
 */
export function classProfile(deviceClass: WorkloadClass, providers: readonly CapabilityProvider[], engine: WasmEngine): DeviceProfile {
  return profileFromProviders(
    { id: `${deviceClass}-class`, vendor: 'wasmhost', modelNumber: `${deviceClass}-class`, serialNumber: 'standard' },
    { cpu: [{ cores: 1 }], memory: 0, storage: 0, peripherals: [], interfaces: [] },
    classProviders(deviceClass, providers),
    { class: deviceClass, engine, ...(deviceClass === 'browser' ? { grants: BROWSER_GRANTS } : {}) },
  );
}
