// Probes that a host serves each interface its class requires: a component importing just
// that interface, at the version vendored in the package's wit/deps/, is built at run time
// (jco's dummy core module for a world) and started with the interface's grant. Also the
// refusals: sockets without the network grant (Linux), sockets and http at all (browser).
import { access, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import type { Grants } from '../../src/capabilities/grants.js';
import { codeOf, messageOf, reasonOf, type ProbeHost } from '../../src/conformance/probe-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { ALL_REQUIREMENTS, interfaceRequirementId, type RequiredInterface } from '../../src/conformance/requirements.js';

/** Each grant kind with nothing in scope: enough to instantiate, nothing to reach. */
const EMPTY_GRANTS: Grants = { keyvalue: { buckets: [] }, messaging: {}, sensors: [], actuators: [], network: true };

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

/** Built components by `name@version`, kept for the process: every probe run (and each refusal probe) reuses them. */
const built = new Map<string, Promise<Uint8Array>>();

/** One component per interface, importing only it at its version (built with jco from wit/, once per process). */
export async function buildInterfaceComponents(interfaces: readonly RequiredInterface[]): Promise<Uint8Array[]> {
  const key = (i: RequiredInterface) => `${i.name}@${i.version}`;
  const missing = interfaces.filter((i, n) => !built.has(key(i)) && interfaces.findIndex((j) => key(j) === key(i)) === n);
  if (missing.length) {
    const batch = buildComponents(missing);
    missing.forEach((i, n) => {
      const one = batch.then((all) => all[n]!);
      built.set(key(i), one);
      one.catch(() => built.delete(key(i))); // a failed build is tried again next time
    });
  }
  return Promise.all(interfaces.map((i) => built.get(key(i))!));
}

async function buildComponents(interfaces: readonly RequiredInterface[]): Promise<Uint8Array[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-conformance-wit-'));
  try {
    await cp(await witDir(), dir, { recursive: true });
    const worlds = interfaces.map((i, n) => `world conformance-${n} { import ${i.name}@${i.version}; }\n`).join('');
    await writeFile(join(dir, 'conformance.wit'), `package wasmhost:workload@0.1.0;\n${worlds}`);
    const components: Uint8Array[] = [];
    for (let n = 0; n < interfaces.length; n++) components.push(await componentNew(await componentEmbed({ dummy: true, witPath: dir, world: `conformance-${n}` })));
    return components;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts each interface's component on the host (in its thread: resources must cross); results follow `interfaces`. */
export async function interfaceProbes(prefix: 'LNX' | 'BRW', host: ProbeHost, interfaces: readonly RequiredInterface[]): Promise<ProbeResult[]> {
  const components = await buildInterfaceComponents(interfaces);
  const offers = await host.offers();
  const results: ProbeResult[] = [];
  for (const [n, i] of interfaces.entries()) {
    const r = ALL_REQUIREMENTS.find((q) => q.id === interfaceRequirementId(prefix, i.name))!;
    const offer = offers.find((o) => o.name === i.name);
    const by = offer ? `served by provider ${offer.provider} (offers ${offer.version ?? 'unversioned'})` : 'instantiated';
    try {
      const workload = await host.start(components[n], { name: `conformance-${i.name}`, grants: EMPTY_GRANTS });
      await workload.close();
      results.push(result(r, 'PASS', by));
    } catch (error) {
      // Refused after its imports matched: the device runs nothing in its own thread.
      if (reasonOf(error) === 'in-process-not-allowed') results.push(result(r, 'PASS', `${by}; imports matched (not instantiated: this device allows no in-process workload)`));
      else results.push(result(r, 'FAIL', messageOf(error)));
    }
  }
  return results;
}

/** A component importing each of `interfaces` must be refused before it runs, with `code`. */
export async function refusalProbe(id: string, host: ProbeHost, interfaces: readonly RequiredInterface[], grants: Grants, code: string): Promise<ProbeResult> {
  const r = ALL_REQUIREMENTS.find((q) => q.id === id)!;
  const components = await buildInterfaceComponents(interfaces);
  const seen: string[] = [];
  for (const [n, i] of interfaces.entries()) {
    try {
      const w = await host.start(components[n], { name: `conformance-refused-${n}`, grants });
      await w.close();
      return result(r, 'FAIL', `a component importing ${i.name}@${i.version} started`);
    } catch (error) {
      if (codeOf(error) !== code) return result(r, 'FAIL', `${i.name}: refused with code ${String(codeOf(error))} instead of ${code}: ${messageOf(error)}`);
      seen.push(`${i.name}: ${code}`);
    }
  }
  return result(r, 'PASS', `refused before running (${seen.join('; ')})`);
}
