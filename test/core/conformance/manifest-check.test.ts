// The manifest probe's check: a conforming manifest of each class has no problem; each breach
// is reported against the requirement it breaks.
import { describe, expect, it } from 'vitest';
import { manifestProblems } from '../../../src/conformance/manifest-check.js';
import { toDeviceCapabilitiesManifest } from '../../../src/device/margo-capabilities.js';
import { profileFromProviders, type DeviceProfile } from '../../../src/device/profile.js';
import { BROWSER_GRANTS } from '../../../src/device/class-profile.js';

const offers = [{ name: 'wasi:logging/logging', version: '0.1.0-draft' }, { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' as const }];
const profile = (deviceClass: 'linux' | 'browser'): DeviceProfile => profileFromProviders(
  { id: 'd-1', vendor: 'acme', modelNumber: 'm', serialNumber: '1' },
  { cpu: [{ cores: 2, architecture: 'arm64' }], memory: 2 ** 31, storage: 2 ** 34, peripherals: [], interfaces: [] },
  [{ name: 'p', offers, create: () => ({}) }],
  { class: deviceClass, engine: { name: 'jco', version: '1.35.0' }, ...(deviceClass === 'browser' ? { grants: BROWSER_GRANTS } : {}) },
);
/** A manifest as plain JSON, to break field by field. */
type Loose = { properties: Record<string, unknown>; labels: Record<string, unknown>; 'x-wasmhost-extensions': Record<string, unknown> };
const manifest = (deviceClass: 'linux' | 'browser') => JSON.parse(JSON.stringify(toDeviceCapabilitiesManifest(profile(deviceClass)))) as Loose;

describe('manifestProblems', () => {
  it('finds nothing wrong with the manifest either class publishes', () => {
    expect(manifestProblems(manifest('linux'), 'linux', offers)).toEqual([]);
    expect(manifestProblems(manifest('browser'), 'browser', offers)).toEqual([]);
  });

  it('reports a device claiming an OCI runtime against OCI-1', () => {
    const m = manifest('linux');
    m.properties.supportedRuntimes = ['oci', 'custom'];
    expect(manifestProblems(m, 'linux', offers)).toEqual(['OCI-1: supportedRuntimes is ["oci","custom"], not ["custom"] (OCI-5: never oci without an OCI runtime)']);
  });

  it('reports missing Margo fields, labels, engine and interfaces against MGO-1…4', () => {
    const m = manifest('linux');
    delete m.properties.serialNumber;
    m.properties.memory = '2 GB';
    delete m.labels['wasmhost.dev/engine'];
    delete m['x-wasmhost-extensions'].engine;
    m['x-wasmhost-extensions'].interfaces = [];
    expect(manifestProblems(m, 'linux', offers)).toEqual([
      'MGO-1: properties.serialNumber is missing',
      'MGO-1: properties.memory "2 GB" is not a binary quantity',
      'MGO-4: a device that runs workloads reports x-wasmhost-extensions.engine {name, version}',
      'MGO-2: x-wasmhost-extensions.interfaces leaves out offered wasi:logging/logging, wasmhost:device/sensors',
      'MGO-3: label wasmhost.dev/engine is missing',
    ]);
  });

  it('reports a page that claims filesystem grants against BRW-4, and the wrong class against MGO-2', () => {
    const m = manifest('browser');
    m['x-wasmhost-extensions'].grants = [...BROWSER_GRANTS, 'filesystem'];
    expect(manifestProblems(m, 'browser', offers)).toEqual([expect.stringMatching(/^BRW-4: x-wasmhost-extensions.grants is .*"filesystem"/)]);
    expect(manifestProblems(manifest('linux'), 'browser', offers)).toContain('MGO-2: x-wasmhost-extensions.class is "linux", not browser');
  });
});
