// Device profiles for the device tests, built the way hosts build them: from registered providers.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createWasiProvider } from '../../../host-node/wasi-provider.js';
import { createLoggingProvider } from '../../../src/capabilities/logging-provider.js';
import { createConfigProvider } from '../../../src/capabilities/config-provider.js';
import { createDeviceProvider } from '../../../src/capabilities/device-provider.js';
import type { CapabilityProvider } from '../../../src/capabilities/provider.js';
import { readWorld } from '../../../src/component/read-world.js';
import type { ComponentWorld } from '../../../src/component/wit-types.js';
import { profileFromProviders, type DeviceProfile } from '../../../src/device/profile.js';
import { watComponentPath } from '../../support/wat-components.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
export const engine = { name: 'jco', version: '1.35.0' } as const;

/** A Raspberry Pi-like linux host: full WASI (preview2-shim), logging, config, local sensors. */
export function linuxProfile(): DeviceProfile {
  return profileFromProviders(
    { id: 'line-2.pi', vendor: 'Acme', modelNumber: 'RPI-5', serialNumber: 'SN-0042' },
    { cpu: [{ cores: 4, architecture: 'arm64' }], memory: 2 * GiB, storage: 16 * GiB, peripherals: [{ type: 'camera', manufacturer: 'Sony' }], interfaces: [{ type: 'ethernet' }, { type: 'wifi' }] },
    [createWasiProvider(), createLoggingProvider(), createConfigProvider(), createDeviceProvider({})],
    { class: 'linux', engine, limits: { maxWorkloads: 8, memoryPerWorkload: 256 * MiB }, labels: { 'example.com/site': 'plant-a' } },
  );
}

/** WASI in a page: everything preview2-shim offers except a filesystem and sockets. */
function browserWasi(): CapabilityProvider {
  const wasi = createWasiProvider();
  return { ...wasi, offers: wasi.offers.filter((o) => !/^wasi:(filesystem|sockets|http)\//.test(o.name)) };
}

/** A browser tab: no filesystem, sensors from browser APIs. */
export function browserProfile(): DeviceProfile {
  return profileFromProviders(
    { id: 'kiosk-7', vendor: 'Acme', modelNumber: 'Chromium', serialNumber: 'tab-1' },
    { cpu: [{ cores: 8, architecture: 'amd64' }], memory: 512 * MiB, storage: 64 * MiB, peripherals: [{ type: 'display' }, { type: 'camera' }], interfaces: [{ type: 'wifi' }] },
    [browserWasi(), createLoggingProvider(), createConfigProvider(), createDeviceProvider({})],
    { class: 'browser', engine, limits: { maxWorkloads: 4 } },
  );
}

/** A microcontroller on the bridge: sensors and actuators, no Wasm engine. */
export function peerProfile(): DeviceProfile {
  return profileFromProviders(
    { id: 'line-2.pi/esp32-a', vendor: 'Espressif', modelNumber: 'ESP32-C6', serialNumber: 'E-77' },
    { cpu: [{ cores: 1, architecture: 'other' }], memory: 512 * 1024, storage: 4 * MiB, peripherals: [], interfaces: [{ type: 'wifi' }] },
    [createDeviceProvider({})],
    { class: 'embedded-peer' },
  );
}

export async function worldOf(file: string): Promise<ComponentWorld> {
  return readWorld(await readFile(file));
}

const example = (path: string) => fileURLToPath(new URL(`../../../examples/${path}`, import.meta.url));
export const thresholdAlarm = () => worldOf(example('threshold-alarm-c/threshold-alarm.wasm'));
export const sensorFilter = () => worldOf(example('sensor-filter-js/sensor-filter.wasm'));
export const importsLogging = async () => worldOf(await watComponentPath('imports-logging'));
