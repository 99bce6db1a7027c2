// The class worlds in wit/workload.wit against what each class's real providers offer:
// a component built from a class's world runs on that class, and the browser world
// imports nothing a page lacks.
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../src/create-host.js';
import { createMemoryArtifactCache } from '../../src/memory/memory-artifact-cache.js';
import { createDeviceProvider } from '../../src/capabilities/device-provider.js';
import type { Grants } from '../../src/capabilities/grants.js';
import type { CapabilityProvider } from '../../src/capabilities/provider.js';
import { readWorld } from '../../src/component/read-world.js';
import { classProfile, BROWSER_GRANTS } from '../../src/device/class-profile.js';
import { match } from '../../src/device/match.js';
import { profileFromProviders } from '../../src/device/profile.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { createBrowserWasiProvider } from '../../host-browser/wasi-provider.js';

const WIT = fileURLToPath(new URL('../../wit', import.meta.url));
const ENGINE = { name: 'jco' as const, version: 'test' };
const ALL: Grants = { keyvalue: { buckets: ['b'] }, messaging: { publish: ['#'] }, sensors: ['*'], actuators: ['*'], network: true };
const IDENTITY = { id: 'd', vendor: 'v', modelNumber: 'm', serialNumber: 's' };
const RESOURCES = { cpu: [{ cores: 1 }], memory: 0, storage: 0, peripherals: [], interfaces: [] };

async function worldOf(world: string) {
  return readWorld(await componentNew(await componentEmbed({ dummy: true, witPath: WIT, world })));
}

/** The providers a host of the class registers: its WASI provider, a device provider, the built-ins. */
function providersOf(wasi: CapabilityProvider): readonly CapabilityProvider[] {
  return createHost({ artifactCache: createMemoryArtifactCache(), providers: [wasi, createDeviceProvider({})] }).providers;
}

const linuxProviders = providersOf(createWasiProvider());
const browserProviders = providersOf(createBrowserWasiProvider());

describe('class worlds', () => {
  it('linux-app: every import is offered by a Linux host at a compatible version', async () => {
    const world = await worldOf('linux-app');
    const profile = profileFromProviders(IDENTITY, RESOURCES, linuxProviders, { class: 'linux', engine: ENGINE });
    expect(match(world, profile, ALL)).toEqual({ device: 'd', compatible: true, problems: [] });
    expect(match(world, classProfile('linux', linuxProviders, ENGINE), ALL).problems).toEqual([]);
  });

  it('browser-app: every import is offered by a page at a compatible version, within the grants a page honors', async () => {
    const world = await worldOf('browser-app');
    const profile = profileFromProviders(IDENTITY, RESOURCES, browserProviders, { class: 'browser', engine: ENGINE, grants: BROWSER_GRANTS });
    const grants: Grants = { keyvalue: { buckets: ['b'] }, messaging: { publish: ['#'] }, sensors: ['*'], actuators: ['*'] };
    expect(match(world, profile, grants)).toEqual({ device: 'd', compatible: true, problems: [] });
    expect(match(world, classProfile('browser', linuxProviders, ENGINE), grants).problems).toEqual([]);
  });

  it('browser-app imports nothing a page lacks; a linux-app component is refused for each socket interface', async () => {
    const names = (await worldOf('browser-app')).imports.flatMap((i) => (i.kind === 'interface' ? [i.interface.name] : []));
    expect(names.filter((n) => /^wasi:(sockets|http)\//.test(n))).toEqual([]);
    const linux = await worldOf('linux-app');
    const page = profileFromProviders(IDENTITY, RESOURCES, browserProviders, { class: 'browser', engine: ENGINE, grants: BROWSER_GRANTS });
    const refused = match(linux, page, { sensors: ['*'], actuators: ['*'], keyvalue: { buckets: ['b'] }, messaging: {} }).problems;
    expect(refused.map((p) => p.kind === 'import' && `${p.import} ${p.reason}`).sort()).toEqual(
      ['instance-network', 'ip-name-lookup', 'network', 'tcp', 'tcp-create-socket', 'udp', 'udp-create-socket'].map((i) => `wasi:sockets/${i}@0.2.12 not-provided`).sort(),
    );
    // The standard browser profile, derived from a Linux host's providers, refuses the same.
    expect(match(linux, classProfile('browser', linuxProviders, ENGINE), {}).problems.filter((p) => p.kind === 'import' && p.reason === 'not-provided')).toHaveLength(7);
  });
});

describe('docs/device-classes.md', () => {
  it('numbers each requirement once, with an RFC 2119 level, so a probe can name it', () => {
    const whole = readFileSync(new URL('../../docs/device-classes.md', import.meta.url), 'utf8');
    // The requirements are stated before section 9, whose table lists them again with their probes.
    const doc = whole.slice(0, whole.indexOf('\n## 9.'));
    const rows = [...doc.matchAll(/^\| ([A-Z]+-\d+) \| ([A-Z ]+) \|/gm)].map((m) => ({ id: m[1], level: m[2] }));
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const prefix of ['WL', 'BRW', 'LNX', 'OCI', 'PEER', 'MGO']) expect(ids.filter((i) => i.startsWith(`${prefix}-`)).length, prefix).toBeGreaterThan(3);
    for (const r of rows) expect(['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY'], r.id).toContain(r.level);
  });
});
