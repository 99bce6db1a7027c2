// Who this page is as a device: a stable id, and the Margo-shaped profile of class `browser`,
// derived from the providers it registers (so it lists only what it really offers).
import type { CapabilityProvider } from '../src/capabilities/provider.js';
import { BROWSER_GRANTS } from '../src/device/class-profile.js';
import { profileFromProviders, type ConnectedPeer, type DeviceProfile, type Peripheral } from '../src/device/profile.js';

/** jco's version, set by the bundler (build.mjs) from the jco it bundles. */
declare const __JCO_VERSION__: string;
export const JCO_VERSION = typeof __JCO_VERSION__ === 'string' ? __JCO_VERSION__ : 'unknown';

const ID_KEY = 'wasmhost.deviceId';

/**
 * The device id: `?device=<id>` if given (for this page only: it does not become the
 * default), else the one this browser was given before, else a new `browser-<random>`
 * (remembered in localStorage, per origin, as the default).
 */
export function browserDeviceId(search: string, storage: Storage = localStorage): string {
  const asked = new URLSearchParams(search).get('device');
  if (asked && /^[A-Za-z0-9._~-]{1,64}$/.test(asked)) return asked;
  const known = storage.getItem(ID_KEY);
  if (known) return known;
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  const id = `browser-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  storage.setItem(ID_KEY, id);
  return id;
}

/** The IndexedDB database of device `id`: each device its own key-value data, desired state and components. */
export const deviceDbName = (id: string) => `wasmhost-device-${id}`;

/** The localStorage key of device `id`'s `what` (source, activity). */
export const deviceKey = (id: string, what: string) => `wasmhost.${what}.${id}`;

/** What the browser tells about its machine (`navigator.deviceMemory` is Chromium-only and rounded). */
export async function browserResources(): Promise<DeviceProfile['resources']> {
  const nav = navigator as Navigator & { deviceMemory?: number };
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  const peripherals: Peripheral[] = [{ type: 'display' }];
  return {
    cpu: [{ cores: Math.max(1, nav.hardwareConcurrency || 1) }],
    memory: Math.round((nav.deviceMemory ?? 0) * 1024 ** 3),
    storage: estimate?.quota ?? 0,
    peripherals,
    interfaces: [],
  };
}

/** The page's device profile: class `browser`, the jco engine, the providers' interfaces, online peers, whether it exports telemetry. */
export function browserProfile(id: string, resources: DeviceProfile['resources'], providers: readonly CapabilityProvider[], peers: ConnectedPeer[], otelCollector = false): DeviceProfile {
  return profileFromProviders(
    { id, vendor: 'wasmhost', modelNumber: 'browser', serialNumber: id },
    resources,
    providers,
    { class: 'browser', engine: { name: 'jco', version: JCO_VERSION }, grants: BROWSER_GRANTS, peers, labels: { 'user-agent': navigator.userAgent.slice(0, 120) }, otelCollector },
  );
}
