// Probes that a Linux host serves each interface its class requires: a component importing
// just that interface, at the version vendored in the package's wit/deps/, is built at run time
// (jco's dummy core module for a world) and instantiated with the interface's grant.
import { access, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import type { Grants } from '../../src/capabilities/grants.js';
import type { Host } from '../../src/create-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { interfaceRequirementId, LINUX_INTERFACES, LINUX_REQUIREMENTS, type RequiredInterface } from '../../src/conformance/requirements.js';

/** Every gated interface's grant, with nothing in scope: enough to instantiate, nothing to reach. */
const EMPTY_GRANTS: Grants = { keyvalue: { buckets: [] }, messaging: {}, sensors: [], actuators: [] };

/** The package's wit/ folder: from source (host-node/conformance/) or from dist/host-node/conformance/. */
async function witDir(): Promise<string> {
  const fromSource = fileURLToPath(new URL('../../wit/', import.meta.url));
  try {
    await access(join(fromSource, 'workload.wit'));
    return fromSource;
  } catch {
    return fileURLToPath(new URL('../../../wit/', import.meta.url));
  }
}

/** One component per required interface, importing only it: a world per interface added to a copy of wit/. */
async function buildInterfaceComponents(interfaces: readonly RequiredInterface[]): Promise<Uint8Array[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-conformance-wit-'));
  try {
    await cp(await witDir(), dir, { recursive: true });
    const worlds = interfaces.map((i, n) => `world conformance-${n} { import ${i.name}@${i.version}; }\n`).join('');
    await writeFile(join(dir, 'conformance.wit'), `package wasmhost:workload@0.1.0;\n${worlds}`);
    const built: Uint8Array[] = [];
    for (let n = 0; n < interfaces.length; n++) built.push(await componentNew(await componentEmbed({ dummy: true, witPath: dir, world: `conformance-${n}` })));
    return built;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Instantiates each interface's component on the host; the results follow LINUX_INTERFACES. */
export async function interfaceProbes(host: Host): Promise<ProbeResult[]> {
  const components = await buildInterfaceComponents(LINUX_INTERFACES);
  const offers = host.providers.flatMap((p) => p.offers.map((o) => ({ ...o, provider: p.name })));
  const results: ProbeResult[] = [];
  for (const [n, i] of LINUX_INTERFACES.entries()) {
    const r = LINUX_REQUIREMENTS.find((q) => q.id === interfaceRequirementId(i.name))!;
    try {
      const workload = await host.instantiate(await host.load(components[n]), { name: `conformance-${i.name}`, grants: EMPTY_GRANTS });
      workload.close();
      const offer = offers.find((o) => o.name === i.name);
      results.push(result(r, 'PASS', offer ? `served by provider ${offer.provider} (offers ${offer.version ?? 'unversioned'})` : 'instantiated'));
    } catch (error) {
      results.push(result(r, 'FAIL', error instanceof Error ? error.message : String(error)));
    }
  }
  return results;
}
