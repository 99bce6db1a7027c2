import { describe, expect, it } from 'vitest';
import { fromDeviceCapabilitiesManifest, toDeviceCapabilitiesManifest } from '../../../src/device/margo-capabilities.js';
import { parseDeviceProfile } from '../../../src/device/profile.js';
import { badInput } from '../../support/bad-input.js';
import { check } from '../../support/margo-rc3/schemas.js';
import { browserProfile, linuxProfile, peerProfile } from './fixtures.js';

const small = parseDeviceProfile({
  class: 'linux',
  identity: { id: 'plant-a/edge-1', vendor: 'Acme', modelNumber: 'A1', serialNumber: 'S1' },
  resources: { cpu: [{ cores: 2, architecture: 'arm64' }], memory: '1536Mi', storage: '32Gi', peripherals: [{ type: 'camera' }], interfaces: [{ type: 'ethernet' }] },
  labels: { 'example.com/line': 2 },
  otelCollector: true,
  wasm: {
    engine: { name: 'jco', version: '1.35.0' },
    interfaces: [{ name: 'wasi:logging/logging', version: '0.1.0-draft' }, { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' }],
    limits: { maxWorkloads: 4, memoryPerWorkload: '64Mi' },
  },
});

describe('toDeviceCapabilitiesManifest', () => {
  it('writes Margo fields under Margo names, and the Wasm facts under x-wasmhost-extensions', () => {
    expect(check('capabilities', toDeviceCapabilitiesManifest(small))).toEqual([]);
    expect(toDeviceCapabilitiesManifest(small)).toStrictEqual({
      properties: {
        id: 'plant-a/edge-1',
        vendor: 'Acme',
        modelNumber: 'A1',
        serialNumber: 'S1',
        cpus: [{ cores: 2, architecture: 'arm64' }],
        memory: '1536Mi',
        storage: '32Gi',
        peripherals: [{ type: 'camera' }],
        interfaces: [{ type: 'ethernet' }],
        otelCollector: true,
        supportedRuntimes: ['custom'],
        supportedDeploymentTypes: ['custom'],
      },
      labels: {
        'example.com/line': 2,
        'wasmhost.dev/class': 'linux',
        'wasmhost.dev/engine': 'jco',
        'wasmhost.dev/engine-version': '1.35.0',
        'wasmhost.dev/interfaces': ['wasi:logging/logging@0.1.0-draft', 'wasmhost:device/sensors@0.1.0'],
      },
      'x-wasmhost-extensions': {
        class: 'linux',
        engine: { name: 'jco', version: '1.35.0' },
        interfaces: [{ name: 'wasi:logging/logging', version: '0.1.0-draft' }, { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' }],
        limits: { maxWorkloads: 4, memoryPerWorkload: '64Mi' },
        peers: [],
      },
    });
  });

  it('leaves the workload-hosting fields out for an embedded peer, as Margo asks of non-hosting devices', () => {
    const manifest = toDeviceCapabilitiesManifest(peerProfile());
    expect(check('capabilities', manifest)).toEqual([]);
    expect(Object.keys(manifest.properties)).toStrictEqual(['id', 'vendor', 'modelNumber', 'serialNumber', 'peripherals', 'interfaces']);
    expect(manifest['x-wasmhost-extensions']).toMatchObject({ class: 'embedded-peer', limits: {}, peers: [] });
    expect(manifest['x-wasmhost-extensions']).not.toHaveProperty('engine');
    expect(manifest.labels).not.toHaveProperty(['wasmhost.dev/engine']);
  });
});

describe('fromDeviceCapabilitiesManifest', () => {
  it.each([['linux', linuxProfile], ['browser', browserProfile]])('round-trips a %s profile through JSON', (_name, build) => {
    const profile = build();
    const text = JSON.stringify(toDeviceCapabilitiesManifest(profile));
    expect(fromDeviceCapabilitiesManifest(text)).toStrictEqual(profile);
    expect(fromDeviceCapabilitiesManifest(JSON.parse(text))).toStrictEqual(profile);
  });

  it('round-trips an embedded peer without the resources Margo does not publish for it', () => {
    const profile = peerProfile();
    const back = fromDeviceCapabilitiesManifest(toDeviceCapabilitiesManifest(profile));
    expect(back).toStrictEqual({ ...profile, resources: { ...profile.resources, cpu: [], memory: 0, storage: 0 } });
  });

  it('reads a Margo device without wasmhost as a device with no class and no engine', () => {
    const profile = fromDeviceCapabilitiesManifest({
      apiVersion: 'device.margo.org/v1alpha1',
      kind: 'DeviceCapabilitiesManifest',
      properties: {
        id: 'compose-box', vendor: 'Northwind', modelNumber: 'NW-9', serialNumber: 'N-1',
        cpu: [{ cores: 8, architecture: 'amd64' }, { cores: 4, architecture: 'amd64' }],
        memory: '31 Gi',
        storage: '500 Gi',
        peripherals: [{ type: 'gpu', manufacturer: 'NVIDIA', model: 'A2' }],
        interfaces: [{ type: 'ethernet' }],
        otelCollector: true,
        supportedRuntimes: ['oci'],
        supportedDeploymentTypes: ['compose'],
        futureProperty: { anything: true },
      },
      labels: { 'example.com/hypervisor': 'hyper-v' },
      'x-northwind-extensions': { whatever: [1, 2, 3] },
    });
    expect(profile).toStrictEqual({
      identity: { id: 'compose-box', vendor: 'Northwind', modelNumber: 'NW-9', serialNumber: 'N-1' },
      resources: {
        cpu: [{ cores: 8, architecture: 'amd64' }, { cores: 4, architecture: 'amd64' }],
        memory: 31 * 2 ** 30,
        storage: 500 * 2 ** 30,
        peripherals: [{ type: 'gpu', manufacturer: 'NVIDIA', model: 'A2' }],
        interfaces: [{ type: 'ethernet' }],
      },
      labels: { 'example.com/hypervisor': 'hyper-v' },
      otelCollector: true,
      wasm: { interfaces: [], limits: {}, peers: [] },
    });
  });

  it('reads a see-through gateway that reports identity only', () => {
    const profile = fromDeviceCapabilitiesManifest({
      apiVersion: 'device.margo.org/v1alpha1', kind: 'DeviceCapabilitiesManifest',
      properties: { id: 'gw1', vendor: 'V', modelNumber: 'M', serialNumber: 'S' },
    });
    expect(profile.resources).toStrictEqual({ cpu: [], memory: 0, storage: 0, peripherals: [], interfaces: [] });
  });

  const manifest = () => JSON.parse(JSON.stringify(toDeviceCapabilitiesManifest(small))) as Record<string, any>;
  const patch = (change: (m: Record<string, any>) => void) => {
    const m = manifest();
    change(m);
    return m;
  };

  it.each<[string, unknown, string]>([
    ['no properties', patch((m) => { delete m.properties; }), 'properties: required'],
    ['no serial number', patch((m) => { delete m.properties.serialNumber; }), 'properties.serialNumber: required'],
    ['cpus as one object', patch((m) => { m.properties.cpus = { cores: 2 }; }), 'properties.cpus: expected a list, got an object'],
    ['cores as text', patch((m) => { m.properties.cpus[0].cores = 'two'; }), "properties.cpus[0].cores: expected a number of cores > 0, got 'two'"],
    ['memory in GB', patch((m) => { m.properties.memory = '8 GB'; }), "properties.memory: '8 GB' is not an amount of bytes (a number, or a quantity like 512Mi, 2Gi)"],
    ['a runtime that is not text', patch((m) => { m.properties.supportedRuntimes = [1]; }), 'properties.supportedRuntimes[0]: expected a string, got 1'],
    ['an unknown class', patch((m) => { m['x-wasmhost-extensions'].class = 'server'; }), "x-wasmhost-extensions.class: unknown value 'server' (valid: browser, linux, embedded-peer)"],
    ['a bad offer', patch((m) => { m['x-wasmhost-extensions'].interfaces[1].grant = 'everything'; }), "x-wasmhost-extensions.interfaces[1].grant: unknown value 'everything'"],
    ['a bad limit', patch((m) => { m['x-wasmhost-extensions'].limits.memoryPerWorkload = 'big'; }), "x-wasmhost-extensions.limits.memoryPerWorkload: 'big' is not an amount of bytes"],
  ])('refuses %s, naming the field', (_name, input, message) => {
    expect(badInput(() => fromDeviceCapabilitiesManifest(input))).toContain(message);
  });
});
