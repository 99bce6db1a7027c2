import { describe, expect, it } from 'vitest';
import type { ComponentWorld } from '../../../src/component/wit-types.js';
import { fromDeviceCapabilitiesManifest, toDeviceCapabilitiesManifest } from '../../../src/device/margo-capabilities.js';
import { fleetQuery, formatFleetReport, formatMatchReport, match, type MatchProblem } from '../../../src/device/match.js';
import type { DeviceConstraints } from '../../../src/device/device-constraints.js';
import type { DeviceProfile } from '../../../src/device/profile.js';
import { badInput } from '../../support/bad-input.js';
import { browserProfile, importsLogging, linuxProfile, peerProfile, sensorFilter, thresholdAlarm } from './fixtures.js';

const devices = { sensors: ['*'], actuators: ['*'] };

describe('match on real components', () => {
  it('threshold-alarm on linux: refused until the deployment grants actuators', async () => {
    const world = await thresholdAlarm();
    expect(match(world, linuxProfile(), {})).toStrictEqual({
      device: 'line-2.pi',
      compatible: false,
      problems: [{ kind: 'import', import: 'wasmhost:device/actuators@0.1.0', reason: 'ungranted', grant: 'actuators' }],
    });
    expect(match(world, linuxProfile(), { actuators: ['fan'] })).toStrictEqual({ device: 'line-2.pi', compatible: true, problems: [] });
  });

  it('sensor-filter on a browser profile without wasi:filesystem: refused, the import is not offered', async () => {
    const result = match(await sensorFilter(), browserProfile(), devices);
    expect(result.problems).toStrictEqual([
      { kind: 'import', import: 'wasi:filesystem/types@0.2.12', reason: 'not-provided' },
      { kind: 'import', import: 'wasi:filesystem/preopens@0.2.12', reason: 'not-provided' },
    ]);
    expect(formatMatchReport(result)).toBe([
      'kiosk-7: cannot run the component (2 problems)',
      '  - wasi:filesystem/types@0.2.12: not provided by this host → deploy to a device that offers it, or build the component without this import',
      '  - wasi:filesystem/preopens@0.2.12: not provided by this host → deploy to a device that offers it, or build the component without this import',
    ].join('\n'));
  });

  it('sensor-filter on linux: WASI 0.2.12 imports served by the 0.2.3 shim (0.x: same minor)', async () => {
    expect(match(await sensorFilter(), linuxProfile(), devices).compatible).toBe(true);
  });

  it('the imports-logging WAT component: an interface no device offers', async () => {
    expect(match(await importsLogging(), linuxProfile(), {}).problems).toStrictEqual([
      { kind: 'import', import: 'example:missing/thing@2.0.0', reason: 'not-provided' },
    ]);
  });

  it('an embedded peer runs no components, and says so first', async () => {
    const result = match(await thresholdAlarm(), peerProfile(), { actuators: ['*'] });
    expect(result.problems.map((p) => p.kind === 'import' ? `${p.reason} ${p.import}` : p.kind)).toStrictEqual([
      'no-engine',
      'not-provided wasi:logging/logging@0.1.0-draft',
      'not-provided wasi:config/store@0.2.0-draft',
    ]);
    expect(formatMatchReport(result).split('\n')[1]).toBe(
      "  - an embedded peer runs no Wasm engine → deploy to a browser or linux host; a peer's sensors and actuators reach components through its host",
    );
  });

  it('a component without imports runs anywhere with an engine', () => {
    const world: ComponentWorld = { imports: [], exports: [] };
    expect([linuxProfile(), browserProfile(), peerProfile()].map((p) => match(world, p, {}).compatible)).toStrictEqual([true, true, false]);
  });
});

/** The linux profile, also offering example:missing/thing@2.0.0, with every offer under `prefix` at `version` (undefined: unversioned). */
function offering(prefix: string, version: string | undefined): DeviceProfile {
  const profile = linuxProfile();
  profile.wasm.interfaces = [...profile.wasm.interfaces, { name: 'example:missing/thing', version: '2.0.0' }].map((offer) => {
    if (!offer.name.startsWith(prefix)) return offer;
    const { version: _old, ...rest } = offer;
    return version === undefined ? rest : { ...rest, version };
  });
  return profile;
}

describe('grants a device cannot honor (wasm.grants)', () => {
  const browserHonoring = (): DeviceProfile => ({ ...browserProfile(), wasm: { ...browserProfile().wasm, grants: ['keyvalue', 'messaging', 'sensors', 'actuators', 'env', 'interfaces'] } });

  it('a browser refuses a deployment that grants a directory, with the reason and the fix', async () => {
    const result = match(await thresholdAlarm(), browserHonoring(), { actuators: ['fan'], filesystem: { '/data': '/var/lib/app' }, network: true });
    expect(result.problems).toStrictEqual([
      { kind: 'grant', grant: 'filesystem', deviceClass: 'browser' },
      { kind: 'grant', grant: 'network', deviceClass: 'browser' },
    ]);
    expect(formatMatchReport(result).split('\n')[1]).toBe(
      "  - the deployment grants 'filesystem', which a browser device cannot give (it has no directories to preopen) → deploy to a device that honors the 'filesystem' grant (a linux host), or remove it from the deployment",
    );
  });

  it('an empty grant asks for nothing, and a profile without the list honors every grant', async () => {
    const world = await thresholdAlarm();
    expect(match(world, browserHonoring(), { actuators: ['fan'], filesystem: {}, network: false }).compatible).toBe(true);
    expect(match(world, linuxProfile(), { actuators: ['fan'], filesystem: { '/d': '/tmp' } }).compatible).toBe(true);
  });

  it('survives the Margo manifest round trip', () => {
    const back = fromDeviceCapabilitiesManifest(toDeviceCapabilitiesManifest(browserHonoring()));
    expect(back.wasm.grants).toStrictEqual(browserHonoring().wasm.grants);
  });
});

describe('version rules (versionsCompatible, through match)', () => {
  it.each<[string, string, string | undefined, boolean]>([
    // imports-logging imports example:missing/thing@2.0.0 (1.x and later: same major, offered minor ≥ required)
    ['same version', 'example:', '2.0.0', true],
    ['newer minor and patch', 'example:', '2.3.1', true],
    ['older major', 'example:', '1.9.0', false],
    ['newer major', 'example:', '3.0.0', false],
    ['a pre-release of the same version', 'example:', '2.0.0-rc.1', false],
    // sensor-filter imports wasi:cli/…@0.2.12 (0.x: same minor, any patch)
    ['0.x: older patch', 'wasi:cli/', '0.2.0', true],
    ['0.x: newer patch', 'wasi:cli/', '0.2.99', true],
    ['0.x: next minor', 'wasi:cli/', '0.3.0', false],
    ['0.x: 1.x is another API', 'wasi:cli/', '1.2.12', false],
    ['0.x: unversioned offer', 'wasi:cli/', undefined, false],
    // both import wasi:logging/logging@0.1.0-draft (pre-releases: identical only)
    ['draft: identical', 'wasi:logging/', '0.1.0-draft', true],
    ['draft: draft2', 'wasi:logging/', '0.1.0-draft2', false],
    ['draft: the release', 'wasi:logging/', '0.1.0', false],
    ['draft: next patch draft', 'wasi:logging/', '0.1.1-draft', false],
  ])('%s (%s at %s) → %s', async (_name, prefix, version, compatible) => {
    const world = prefix === 'wasi:cli/' ? await sensorFilter() : await importsLogging();
    const problems = match(world, offering(prefix, version), devices).problems;
    expect(problems.filter((p) => p.kind === 'import' && p.import.startsWith(prefix))).toHaveLength(compatible ? 0 : prefix === 'wasi:cli/' ? 10 : 1);
    if (!compatible) expect(problems.every((p) => p.kind === 'import' && p.reason === 'version')).toBe(true);
  });

  it('names the offered version and the fix', async () => {
    const result = match(await importsLogging(), offering('wasi:logging/', '0.1.0-draft2'), {});
    expect(formatMatchReport(result)).toBe([
      'line-2.pi: cannot run the component (1 problem)',
      '  - wasi:logging/logging@0.1.0-draft: this host offers version 0.1.0-draft2, none compatible with it → build the component against 0.1.0-draft2, or move the device to a host that offers the version it imports',
    ].join('\n'));
  });
});

describe('match with device constraints', () => {
  const constraints: DeviceConstraints = {
    capacityRequirements: { cpu: { cores: 2, architectures: ['arm64'] }, memory: '512Mi', storage: '1Gi' },
    eligibilityRules: [
      { labelSelector: { matchExpressions: [{ key: 'wasmhost.dev/class', operator: 'In', values: ['linux'] }, { key: 'example.com/site', operator: 'In', values: ['plant-b'] }] } },
      { propertySelector: { matchExpressions: [{ key: '/peripherals', operator: 'ContainsAll', itemSelector: { matchExpressions: [{ key: '/type', operator: 'In', values: ['gpu'] }] } }] } },
    ],
  };

  it('lists every problem: imports, capacity and each failed rule, one line each with its fix', async () => {
    const result = match(await thresholdAlarm(), linuxProfile(), {}, constraints);
    const kinds = result.problems.map((p: MatchProblem) => p.kind);
    expect(kinds).toStrictEqual(['import', 'capacity', 'eligibility', 'eligibility']);
    expect(formatMatchReport(result)).toBe([
      'line-2.pi: cannot run the component (4 problems)',
      "  - wasmhost:device/actuators@0.1.0: not granted (the deployment needs an 'actuators' grant) → add the 'actuators' grant to the deployment",
      "  - memory per workload: needs 512Mi, the device allows each workload 256Mi → raise the device's memoryPerWorkload limit, or lower capacityRequirements.memory",
      `  - eligibilityRules[0] not met: label example.com/site is 'plant-a', not In ["plant-b"] → deploy to a device that meets one of the rules, or change the deployment's deviceConstraints.eligibilityRules`,
      "  - eligibilityRules[1] not met: no element of property /peripherals matches all of its itemSelector expressions (element 0: /type is 'camera', not In [\"gpu\"]) → deploy to a device that meets one of the rules, or change the deployment's deviceConstraints.eligibilityRules",
    ].join('\n'));
  });

  it('reports no rule once one matches', async () => {
    const result = match(await thresholdAlarm(), linuxProfile(), { actuators: ['*'] }, {
      eligibilityRules: [...constraints.eligibilityRules!, { propertySelector: { matchExpressions: [{ key: '/cpus/0/architecture', operator: 'In', values: ['arm64'] }] } }],
    });
    expect(result).toStrictEqual({ device: 'line-2.pi', compatible: true, problems: [] });
  });

  it('refuses malformed constraints before matching anything', async () => {
    const world = await thresholdAlarm();
    const bad = { eligibilityRules: [{ propertySelector: { matchExpressions: [{ key: '/vendor', operator: 'Eq', values: ['Acme'] }] } }] } as unknown as DeviceConstraints;
    expect(badInput(() => match(world, linuxProfile(), {}, bad))).toBe(
      "eligibilityRules[0].propertySelector.matchExpressions[0].operator: unknown operator 'Eq' (valid: In, NotIn, Exists, DoesNotExist, Gt, Lt, ContainsAll, ContainsAny)",
    );
  });
});

describe('fleetQuery', () => {
  /** A fleet as a WFM sees it: Margo manifests read back into profiles. */
  function fleet(): { name: string; profile: DeviceProfile }[] {
    const small = linuxProfile();
    small.identity.id = 'line-3.pi';
    small.resources.memory = 96 * 2 ** 20;
    const foreign = fromDeviceCapabilitiesManifest({
      apiVersion: 'device.margo.org/v1alpha1', kind: 'DeviceCapabilitiesManifest',
      properties: { id: 'compose-box', vendor: 'Northwind', modelNumber: 'NW-9', serialNumber: 'N-1', cpu: [{ cores: 8, architecture: 'amd64' }], memory: '32 Gi', storage: '1 Ti', otelCollector: true, supportedRuntimes: ['oci'], supportedDeploymentTypes: ['compose'] },
    });
    return [linuxProfile(), small, browserProfile(), peerProfile(), foreign].map((p) => ({
      name: p.identity.id,
      profile: fromDeviceCapabilitiesManifest(JSON.parse(JSON.stringify(toDeviceCapabilitiesManifest(p)))),
    }));
  }

  it('names the devices that can run a component, and why each other one cannot', async () => {
    const result = fleetQuery(await sensorFilter(), fleet(), devices, { capacityRequirements: { memory: '128Mi' } });
    expect(result.compatible).toStrictEqual(['line-2.pi']);
    const why = Object.fromEntries(result.incompatible.map((d) => [d.name, d.problems.map((p) => (p.kind === 'import' ? p.import : p.kind === 'capacity' ? p.resource : p.kind))]));
    expect(Object.keys(why)).toStrictEqual(['line-3.pi', 'kiosk-7', 'line-2.pi/esp32-a', 'compose-box']);
    expect(why['line-3.pi']).toStrictEqual(['memory']);
    expect(why['kiosk-7']).toStrictEqual(['wasi:filesystem/types@0.2.12', 'wasi:filesystem/preopens@0.2.12']);
    expect(why['line-2.pi/esp32-a']).toEqual(expect.arrayContaining(['no-engine', 'wasi:cli/stdout@0.2.12', 'wasi:logging/logging@0.1.0-draft', 'memory']));
    expect(why['compose-box']).toEqual(expect.arrayContaining(['no-engine', 'wasmhost:device/sensors@0.1.0']));
    expect(why['compose-box']).not.toContain('memory');
  });

  it('prints a fleet report', async () => {
    const result = fleetQuery(await thresholdAlarm(), fleet().slice(0, 3), { actuators: ['*'] }, { capacityRequirements: { memory: '512Mi' } });
    expect(formatFleetReport(result)).toBe([
      'can run it: kiosk-7',
      'line-2.pi: cannot run the component (1 problem)',
      "  - memory per workload: needs 512Mi, the device allows each workload 256Mi → raise the device's memoryPerWorkload limit, or lower capacityRequirements.memory",
      'line-3.pi: cannot run the component (2 problems)',
      '  - memory: needs 512Mi, the device has 96Mi → deploy to a device with more memory, or lower capacityRequirements.memory',
      "  - memory per workload: needs 512Mi, the device allows each workload 256Mi → raise the device's memoryPerWorkload limit, or lower capacityRequirements.memory",
    ].join('\n'));
  });

  it('says so when no device fits', async () => {
    const result = fleetQuery(await importsLogging(), fleet().slice(3), {});
    expect(result.compatible).toStrictEqual([]);
    expect(formatFleetReport(result).split('\n')[0]).toBe('no device can run it');
  });
});
