// The `node` target: probes a Linux device's Node host (built by a vendor's module, or this
// package's own) for the interfaces it offers, grants, limits and persistence.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../../src/create-host.js';
import { buildProbe } from './build-probe.js';
import { limitProbes, PROBE_LIMITS } from './limit-probes.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { interfaceProbes } from './interface-probes.js';
import { interfaceRequirementId, LINUX_REQUIREMENTS, type Requirement } from '../../src/conformance/requirements.js';

/** A Node host under test: built afresh for a data directory (twice for the persistence probe). */
export interface NodeTarget {
  makeHost(dataDir: string): Promise<Host>;
  /** An actuator the host has, for the grant-scope probe (the probe never gets a grant for it). */
  actuator: string;
}

const req = (id: string): Requirement => LINUX_REQUIREMENTS.find((r) => r.id === id)!;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs every `node` probe; the results follow LINUX_REQUIREMENTS' order. */
export async function runNodeProbes(target: NodeTarget): Promise<ProbeResult[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wasmhost-conformance-'));
  try {
    const host = await target.makeHost(dataDir);
    return [
      ...(await interfaceProbes(host)),
      await grantRefusedProbe(host),
      await grantScopedProbe(host, target.actuator),
      ...(await limitProbes(host, await host.load(await buildProbe('limits')))),
      await persistenceProbe(host, () => target.makeHost(dataDir)),
    ];
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function grantRefusedProbe(host: Host): Promise<ProbeResult> {
  const r = req('LNX-grant-refused');
  const component = await host.load(await buildProbe('keyvalue'));
  try {
    const w = await host.startIsolated(component, { name: 'conformance-grant', limits: PROBE_LIMITS, grants: {} });
    const put = await w.call('put', 1).catch((e: unknown) => messageOf(e));
    await w.close();
    return result(r, 'FAIL', `started without a keyvalue grant (put answered ${String(put)})`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'denied') return result(r, 'PASS', messageOf(error));
    return result(r, 'FAIL', `refused, but with code ${String(code)} instead of denied: ${messageOf(error)}`);
  }
}

const ACTUATOR_OUTCOMES = ['ok', 'not-found', 'denied', 'out-of-range', 'unavailable', 'timeout'];

async function grantScopedProbe(host: Host, actuator: string): Promise<ProbeResult> {
  const r = req('LNX-grant-scoped');
  const component = await host.load(await buildProbe('actuator'));
  let w;
  try {
    w = await host.startIsolated(component, { name: 'conformance-actuator', limits: PROBE_LIMITS, grants: { actuators: [] } });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'missing-import') return result(r, 'SKIP', `the host does not offer wasmhost:device/actuators (${interfaceRequirementId('wasmhost:device/actuators')})`);
    return result(r, 'FAIL', `the actuator probe did not start with an empty actuators grant: ${messageOf(error)}`);
  }
  try {
    const answer = ACTUATOR_OUTCOMES[(await w.call('set-one', actuator)) as number] ?? 'an unknown answer';
    if (answer === 'denied') return result(r, 'PASS', `set("${actuator}") without its grant answered denied`);
    if (answer === 'not-found') return result(r, 'SKIP', `the host has no actuator "${actuator}"; name one with --actuator`);
    return result(r, 'FAIL', `set("${actuator}") without its grant answered ${answer}`);
  } catch (error) {
    return result(r, 'FAIL', `set("${actuator}") without its grant trapped instead of answering denied: ${messageOf(error)}`);
  } finally {
    await w.close();
  }
}

async function persistenceProbe(first: Host, again: () => Promise<Host>): Promise<ProbeResult> {
  const r = req('LNX-persist-keyvalue');
  const bytes = await buildProbe('keyvalue');
  const grants = { keyvalue: { buckets: ['conformance'] } };
  const value = 1 + Math.floor(Math.random() * 0x7ffffff0);
  // Isolated, as a deployment runs by default: the bucket stays on the host, the worker holds a handle.
  const start = async (host: Host) => host.startIsolated(await host.load(bytes), { name: 'conformance-persist', grants, limits: PROBE_LIMITS });
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
