import { describe, expect, it } from 'vitest';
import { createWasiProvider } from '../../../host-node/wasi-provider.js';
import { createDeviceProvider } from '../../../src/capabilities/device-provider.js';
import { createLoggingProvider } from '../../../src/capabilities/logging-provider.js';
import { parseDeviceProfile, profileFromProviders, type DeviceProfile } from '../../../src/device/profile.js';
import { badInput } from '../../support/bad-input.js';
import { browserProfile, engine, linuxProfile, peerProfile } from './fixtures.js';

const identity = { id: 'edge-1', vendor: 'Acme', modelNumber: 'A1', serialNumber: 'S1' };
const resources = { cpu: [{ cores: 2, architecture: 'arm64' as const }], memory: 2 ** 30, storage: 2 ** 33, peripherals: [], interfaces: [] };

describe('profileFromProviders', () => {
  it('offers exactly what the registered providers offer, grants included', () => {
    const providers = [createWasiProvider(), createLoggingProvider(), createDeviceProvider({})];
    const profile = profileFromProviders(identity, resources, providers, { class: 'linux', engine });
    expect(profile.wasm.interfaces).toStrictEqual(providers.flatMap((p) => p.offers));
    expect(profile.wasm.interfaces).toContainEqual({ name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' });
    // Outgoing HTTP is not the shim's (it is the http-outgoing provider's, per request allow list); raw sockets need `network`.
    expect(profile.wasm.interfaces.map((i) => i.name)).not.toContain('wasi:http/outgoing-handler');
    expect(profile.wasm.interfaces).toContainEqual({ name: 'wasi:sockets/tcp', version: '0.2.3', grant: 'network' });
    expect(profile).toMatchObject({ class: 'linux', identity, resources, labels: {}, otelCollector: false, wasm: { engine, limits: {}, peers: [] } });
  });

  it('lists an interface offered twice at the same version once (the first provider serves it)', () => {
    const profile = profileFromProviders(identity, resources, [createLoggingProvider(), createLoggingProvider()], { class: 'browser', engine });
    expect(profile.wasm.interfaces).toStrictEqual([{ name: 'wasi:logging/logging', version: '0.1.0-draft' }]);
  });

  it('builds the three device classes of the design', () => {
    expect([linuxProfile(), browserProfile(), peerProfile()].map((p) => [p.class, p.wasm.engine?.name ?? 'no engine'])).toStrictEqual([
      ['linux', 'jco'], ['browser', 'jco'], ['embedded-peer', 'no engine'],
    ]);
    expect(browserProfile().wasm.interfaces.some((o) => o.name.startsWith('wasi:filesystem/'))).toBe(false);
    expect(linuxProfile().wasm.interfaces.some((o) => o.name === 'wasi:filesystem/preopens')).toBe(true);
  });

  it('checks what it is given like a profile read from a file', () => {
    expect(badInput(() => profileFromProviders({ ...identity, id: 'edge 1' }, resources, [], { class: 'linux', engine }))).toBe(
      "identity.id: 'edge 1' may hold only letters, digits, '-', '.', '_', '~' and '/' between parts (RFC 3986 unreserved)",
    );
  });
});

describe('parseDeviceProfile', () => {
  const json = {
    class: 'linux',
    identity,
    resources: { cpu: [{ cores: 4, architecture: 'amd64' }], memory: '2Gi', storage: 17179869184, peripherals: [{ type: 'gpu', manufacturer: 'NVIDIA' }], interfaces: [{ type: 'ethernet' }] },
    labels: { 'example.com/site': 'plant-a', 'example.com/lines': [1, 2] },
    wasm: {
      engine: { name: 'jco', version: '1.35.0' },
      interfaces: [{ name: 'wasi:logging/logging', version: '0.1.0-draft' }, { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' }],
      limits: { maxWorkloads: 4, memoryPerWorkload: '128Mi' },
    },
  };

  it('reads quantities as bytes and fills defaults', () => {
    const expected: DeviceProfile = {
      class: 'linux',
      identity,
      resources: { cpu: [{ cores: 4, architecture: 'amd64' }], memory: 2 ** 31, storage: 2 ** 34, peripherals: [{ type: 'gpu', manufacturer: 'NVIDIA' }], interfaces: [{ type: 'ethernet' }] },
      labels: { 'example.com/site': 'plant-a', 'example.com/lines': [1, 2] },
      otelCollector: false,
      wasm: { engine, interfaces: json.wasm.interfaces as DeviceProfile['wasm']['interfaces'], limits: { maxWorkloads: 4, memoryPerWorkload: 128 * 2 ** 20 }, peers: [] },
    };
    expect(parseDeviceProfile(json)).toStrictEqual(expected);
    expect(parseDeviceProfile(JSON.stringify(json))).toStrictEqual(expected);
  });

  it('reads back every profile it builds', () => {
    for (const profile of [linuxProfile(), browserProfile(), peerProfile()]) {
      expect(parseDeviceProfile(JSON.parse(JSON.stringify(profile)))).toStrictEqual(profile);
    }
  });

  const patch = (change: (j: Record<string, any>) => void) => {
    const copy = structuredClone(json) as Record<string, any>;
    change(copy);
    return copy;
  };

  it.each<[string, unknown, string]>([
    ['not JSON', '{class:', 'not JSON: '],
    ['not an object', [], 'expected an object, got []'],
    ['an unknown class', patch((j) => { j.class = 'server'; }), "class: unknown value 'server' (valid: browser, linux, embedded-peer)"],
    ['no identity', patch((j) => { delete j.identity; }), 'identity: required'],
    ['an empty vendor', patch((j) => { j.identity.vendor = ''; }), "identity.vendor: expected a non-empty string, got ''"],
    ['memory in GB', patch((j) => { j.resources.memory = '2GB'; }), "resources.memory: '2GB' is not an amount of bytes (a number, or a quantity like 512Mi, 2Gi)"],
    ['no storage', patch((j) => { delete j.resources.storage; }), 'resources.storage: required'],
    ['zero cores', patch((j) => { j.resources.cpu[0].cores = 0; }), 'resources.cpu[0].cores: expected a number of cores > 0, got 0'],
    ["Node's name for amd64", patch((j) => { j.resources.cpu[0].architecture = 'x64'; }), "resources.cpu[0].architecture: unknown value 'x64' (valid: amd64, arm64, arm, riscv64, other)"],
    ['an unknown peripheral', patch((j) => { j.resources.peripherals.push({ type: 'lidar' }); }), "resources.peripherals[1].type: unknown value 'lidar' (valid: gpu, display, camera, microphone, speaker, other)"],
    ['an object label', patch((j) => { j.labels.site = { a: 1 }; }), 'labels["site"]: expected a string, number, boolean, or a non-empty list of strings or numbers, got an object'],
    ['a derived label', patch((j) => { j.labels['wasmhost.dev/class'] = 'linux'; }), `labels["wasmhost.dev/class"]: keys under 'wasmhost.dev/' are derived from the Wasm facts; pick another key`],
    ['a versioned interface name', patch((j) => { j.wasm.interfaces[0].name = 'wasi:logging/logging@0.1.0-draft'; }), "wasm.interfaces[0].name: 'wasi:logging/logging@0.1.0-draft' is not a WIT interface name without version (namespace:package/interface)"],
    ['a bad version', patch((j) => { j.wasm.interfaces[0].version = '0.1'; }), "wasm.interfaces[0].version: '0.1' is not a semantic version (1.2.3, 0.2.0-draft)"],
    ['an unknown grant', patch((j) => { j.wasm.interfaces[1].grant = 'disk'; }), "wasm.interfaces[1].grant: unknown value 'disk' (valid: keyvalue, messaging, sensors, actuators, filesystem, env, network, http, display, interfaces)"],
    ['another engine', patch((j) => { j.wasm.engine.name = 'wasmtime'; }), "wasm.engine.name: unknown value 'wasmtime' (valid: jco)"],
    ['an engine on an embedded peer', patch((j) => { j.class = 'embedded-peer'; }), 'wasm.engine: an embedded-peer runs no Wasm engine; leave engine out'],
    ['zero max workloads', patch((j) => { j.wasm.limits.maxWorkloads = 0; }), 'wasm.limits.maxWorkloads: expected a whole number ≥ 1, got 0'],
    ['an unknown grant kind', patch((j) => { j.wasm.grants = ['keyvalue', 'disk']; }), 'wasm.grants[1]: expected one of keyvalue'],
    ['a typo', patch((j) => { j.wasm.limit = {}; }), 'wasm.limit: unknown field (fields: engine, interfaces, limits, peers, grants)'],
  ])('refuses %s', (_name, input, message) => {
    expect(badInput(() => parseDeviceProfile(input))).toContain(message);
  });

  it('lists every problem at once', () => {
    const input = patch((j) => { j.class = 'pc'; j.resources.memory = 'lots'; delete j.identity.serialNumber; });
    expect(badInput(() => parseDeviceProfile(input))).toBe([
      "class: unknown value 'pc' (valid: browser, linux, embedded-peer)",
      'identity.serialNumber: required',
      "resources.memory: 'lots' is not an amount of bytes (a number, or a quantity like 512Mi, 2Gi)",
    ].join('\n'));
  });
});
