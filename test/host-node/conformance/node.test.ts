// `wasmhost conformance --node`: the builtin Node host passes every requirement; a vendor's
// module is loaded; deliberately broken hosts fail exactly the requirement they break.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeHost } from '../../../host-node/node-host.js';
import { createWasiProvider } from '../../../host-node/wasi-provider.js';
import { createDeviceProvider, createSimulatedDrivers } from '../../../src/capabilities/device-provider.js';
import { runNodeProbes } from '../../../host-node/conformance/node-probes.js';
import { builtinFactory, targetFromFactory, type HostFactory } from '../../../host-node/conformance/node-target.js';
import { LINUX_REQUIREMENTS } from '../../../src/conformance/requirements.js';
import type { ProbeResult } from '../../../src/conformance/report.js';
import type { Host } from '../../../src/create-host.js';
import { wasmhost } from '../cli/run-cli.js';

const failed = (results: ProbeResult[]) => results.filter((r) => r.status !== 'PASS').map((r) => `${r.status} ${r.id}`);

/** The builtin host, changed by `change` after it is built. */
const brokenFactory = (change: (host: Host) => Host): HostFactory => async (context) => {
  const options = await builtinFactory(context);
  return change(createNodeHost(options as Parameters<typeof createNodeHost>[0]));
};

describe('wasmhost conformance --node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-conformance-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the builtin Node host on every requirement, as JSON, exit code 0', () => {
    const run = wasmhost(['conformance', '--node', 'builtin', '--json']);
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as ProbeResult[];
    expect(results.map((r) => r.id)).toEqual(LINUX_REQUIREMENTS.map((r) => r.id));
    expect(failed(results)).toEqual([]);
    expect(run.code).toBe(0);
  });

  it("loads a vendor's module and reports a missing interface against its requirement, exit code 1", () => {
    const hostNode = pathToFileURL(join(process.cwd(), 'dist/host-node/index.js')).href;
    const module = join(dir, 'vendor-host.mjs');
    // The vendor's device offers sensors only: its driver set has no actuator provider.
    writeFileSync(module, `import { createWasiProvider } from '${hostNode}';
export default ({ dataDir }) => ({
  dataDir,
  providers: [createWasiProvider(), {
    name: 'vendor-sensors',
    offers: [{ name: 'wasmhost:device/types', version: '0.1.0' }, { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' }],
    create: () => ({ 'wasmhost:device/sensors': { list: () => [], read: () => { throw new Error('none'); } } }),
  }],
});
`);
    const run = wasmhost(['conformance', '--node', module]);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('PASS'))).toEqual([
      'FAIL LNX-iface-wasmhost-device-actuators [WL-1, WL-2, LNX-1] serves imports of wasmhost:device/actuators@0.1.0 — the component needs imports this host does not provide or grant: wasmhost:device/actuators@0.1.0: not provided by this host',
      'SKIP LNX-grant-scoped [WL-4] an actuator outside the granted names answers the interface error `denied` — the host does not offer wasmhost:device/actuators (LNX-iface-wasmhost-device-actuators)',
      `${LINUX_REQUIREMENTS.length - 2} passed, 1 failed, 1 skipped of ${LINUX_REQUIREMENTS.length} requirements`,
    ]);
  });

  it('fails the interface requirement for a provider that offers actuators but does not implement set', async () => {
    const device = createDeviceProvider(createSimulatedDrivers(1, () => undefined));
    const halfDevice = { ...device, create: (ctx: Parameters<typeof device.create>[0]) => {
      const imports = device.create(ctx) as Record<string, Record<string, unknown>>;
      return { ...imports, 'wasmhost:device/actuators': { list: imports['wasmhost:device/actuators'].list } };
    } };
    const results = await runNodeProbes(targetFromFactory(({ dataDir }) => ({ dataDir, providers: [createWasiProvider(), halfDevice] })));
    expect(failed(results)).toEqual(['FAIL LNX-iface-wasmhost-device-actuators', 'SKIP LNX-grant-scoped']);
  });

  it('fails LNX-limit-time only, for a host whose workers ignore the call time limit', async () => {
    const factory = brokenFactory((host) => ({ ...host, startIsolated: (c, o) => host.startIsolated(c, { ...o, limits: { ...o.limits, callTimeoutMs: 600_000 } }) }));
    const results = await runNodeProbes(targetFromFactory(factory));
    expect(failed(results)).toEqual(['FAIL LNX-limit-time']);
    expect(results.find((r) => r.id === 'LNX-limit-time')!.detail).toMatch(/^an endless loop was still running after \d+ ms \(callTimeoutMs 1000\)$/);
  });

  it('fails LNX-preopens only, for a host that preopens a directory for every workload', async () => {
    const factory = brokenFactory((host) => ({ ...host, startIsolated: (c, o) => host.startIsolated(c, { ...o, grants: { filesystem: { '/shared': dir }, ...o.grants } }) }));
    const results = await runNodeProbes(targetFromFactory(factory));
    expect(failed(results)).toEqual(['FAIL LNX-preopens']);
    expect(results.find((r) => r.id === 'LNX-preopens')!.detail).toBe('1 preopened director(ies) without a filesystem grant');
  });

  it('fails LNX-import-timeout only, for a host whose blocking imports wait as long as the call may run', async () => {
    const factory = brokenFactory((host) => ({ ...host, startIsolated: (c, o) => host.startIsolated(c, { ...o, limits: { ...o.limits, importTimeoutMs: 600_000 } }) }));
    const results = await runNodeProbes(targetFromFactory(factory));
    expect(failed(results)).toEqual(['FAIL LNX-import-timeout']);
    expect(results.find((r) => r.id === 'LNX-import-timeout')!.detail).toMatch(/^the import was not bounded: the call failed after \d+ ms, at its time limit \(5000 ms\)/);
  });

  it('fails LNX-limit-memory only, for a host that does not cap Wasm memory', async () => {
    const factory = brokenFactory((host) => ({ ...host, startIsolated: (c, o) => host.startIsolated(c, { ...o, limits: { ...o.limits, memoryBytes: 2 ** 30 } }) }));
    const results = await runNodeProbes(targetFromFactory(factory));
    expect(failed(results)).toEqual(['FAIL LNX-limit-memory']);
  });

  it('fails LNX-grant-refused only, for a host that grants every gated interface', async () => {
    const everything = { keyvalue: { buckets: ['conformance'] }, actuators: [] };
    const factory = brokenFactory((host) => ({ ...host, startIsolated: (c, o) => host.startIsolated(c, { ...o, grants: { ...everything, ...o.grants } }) }));
    const results = await runNodeProbes(targetFromFactory(factory));
    expect(failed(results)).toEqual(['FAIL LNX-grant-refused']);
  });

  it('fails LNX-persist-keyvalue only, for a host that keeps key-value data in memory', async () => {
    const providers = () => [createWasiProvider(), createDeviceProvider(createSimulatedDrivers(1, () => undefined))];
    const results = await runNodeProbes(targetFromFactory(() => createNodeHost({ providers: providers() })));
    expect(failed(results)).toEqual(['FAIL LNX-persist-keyvalue']);
    expect(results.find((r) => r.id === 'LNX-persist-keyvalue')!.detail).toBe('a new host on the same data directory had no value');
  });
});
