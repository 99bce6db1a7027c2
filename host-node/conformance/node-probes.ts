// The `node` target: probes a Linux device's Node host (built by a vendor's module, or this
// package's own) for the interfaces it offers, grants, limits, isolation, its capabilities
// manifest and persistence.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../src/create-host.js';
import { messageOf } from '../../src/conformance/probe-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { LINUX_INTERFACES } from '../../src/conformance/requirements.js';
import { manifestProblems } from '../../src/conformance/manifest-check.js';
import { toDeviceCapabilitiesManifest } from '../../src/device/margo-capabilities.js';
import { thisDevice } from '../cli/device-check.js';
import { buildProbe } from './build-probe.js';
import { interfaceProbes, refusalProbe } from './interface-probes.js';
import { limitProbes, PROBE_LIMITS, reqOf } from './limit-probes.js';
import { nodeProbeHost } from './node-probe-host.js';
import { grantProbes, workloadProbes } from './workload-probes.js';

/** A Node host under test: built afresh for a data directory (twice for the persistence probe). */
export interface NodeTarget {
  makeHost(dataDir: string): Promise<Host>;
  /** An actuator the host has, for the grant-scope probe (the probe never gets a grant for it). */
  actuator: string;
}

/** Runs every `node` probe; the results follow LINUX_REQUIREMENTS' order. */
export async function runNodeProbes(target: NodeTarget): Promise<ProbeResult[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wasmhost-conformance-'));
  try {
    const host = await target.makeHost(dataDir);
    const probe = nodeProbeHost(host);
    const preopenDir = join(dataDir, 'preopen');
    await mkdir(preopenDir);
    return [
      ...(await interfaceProbes('LNX', probe, LINUX_INTERFACES)),
      await refusalProbe('LNX-grant-network', probe, LINUX_INTERFACES.filter((i) => i.grant === 'network'), {}, 'denied'),
      ...(await grantProbes('LNX', probe, target.actuator)),
      ...(await limitProbes('LNX', probe, await buildProbe('limits'))),
      ...(await workloadProbes('LNX', probe, { actuator: target.actuator, preopenDir })),
      manifestProbe(host, dataDir),
      await persistenceProbe(host, () => target.makeHost(dataDir)),
    ];
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The manifest `wasmhost agent` would publish for this host (`wasmhost device --json`). */
function manifestProbe(host: Host, dataDir: string): ProbeResult {
  const r = reqOf('LNX', 'manifest');
  const manifest = toDeviceCapabilitiesManifest(thisDevice(host, dataDir));
  const problems = manifestProblems(manifest, 'linux', host.providers.flatMap((p) => p.offers));
  if (problems.length) return result(r, 'FAIL', problems.join('; '));
  return result(r, 'PASS', `class linux, ${manifest['x-wasmhost-extensions']?.interfaces.length ?? 0} interfaces, supportedRuntimes ["custom"]`);
}

async function persistenceProbe(first: Host, again: () => Promise<Host>): Promise<ProbeResult> {
  const r = reqOf('LNX', 'persist-keyvalue');
  const bytes = await buildProbe('keyvalue');
  const grants = { keyvalue: { buckets: ['conformance'] } };
  const value = 1 + Math.floor(Math.random() * 0x7ffffff0);
  // Isolated, as a deployment runs by default: the bucket stays on the host, the worker holds a handle.
  const start = async (host: Host) => nodeProbeHost(host).start(bytes, { name: 'conformance-persist', grants, limits: PROBE_LIMITS });
  try {
    const writer = await start(first);
    const stored = await writer.call('put', value);
    await writer.close();
    if (stored !== 0) return result(r, 'FAIL', `storing a value failed (probe code ${String(stored)})`);
    const reader = await start(await again());
    const read = (await reader.call('fetch')) as number;
    await reader.close();
    if (read === value) return result(r, 'PASS', 'the value written through one host was read through a new host on the same data directory');
    return result(r, 'FAIL', read === 0xffffffff ? 'a new host on the same data directory had no value' : `a new host read ${read} instead of ${value}`);
  } catch (error) {
    return result(r, 'FAIL', messageOf(error));
  }
}
