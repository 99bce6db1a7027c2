// Probes every workload class runs (docs/device-classes.md section 2): grants refused and
// scoped, one workload's loop not stopping another, wasi:cli/exit ending only the call, and
// the preopened directories. Each reports as `<prefix>-<name>` (LNX for Linux, BRW for a page).
import { codeOf, messageOf, type ProbeHost } from '../../src/conformance/probe-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { interfaceRequirementId } from '../../src/conformance/requirements.js';
import type { Grants } from '../../src/capabilities/grants.js';
import { buildProbe } from './build-probe.js';
import { PROBE_LIMITS, reqOf, spin, until, withWorkload } from './limit-probes.js';

/** What the workload probes need besides the host. */
export interface WorkloadProbeOptions {
  /** An actuator the device has (never granted to the probe). */
  actuator: string;
  /** A host directory the Linux probe grants as `/conformance`; absent for a page (no directories). */
  preopenDir?: string;
}

/** Runs the grant, isolation, exit and preopens probes; the limit probes run in between (report order). */
export async function grantProbes(prefix: 'LNX' | 'BRW', host: ProbeHost, actuator: string): Promise<ProbeResult[]> {
  return [await grantRefusedProbe(prefix, host), await grantScopedProbe(prefix, host, actuator)];
}

/** The isolation, exit and preopens probes. */
export async function workloadProbes(prefix: 'LNX' | 'BRW', host: ProbeHost, options: WorkloadProbeOptions): Promise<ProbeResult[]> {
  return [await isolationProbe(prefix, host), await exitProbe(prefix, host), await importTimeoutProbe(prefix, host), await preopensProbe(prefix, host, options.preopenDir)];
}

async function grantRefusedProbe(prefix: string, host: ProbeHost): Promise<ProbeResult> {
  const r = reqOf(prefix, 'grant-refused');
  try {
    const w = await host.start(await buildProbe('keyvalue'), { name: 'conformance-grant', limits: PROBE_LIMITS, grants: {} });
    const put = await w.call('put', 1).catch((e: unknown) => messageOf(e));
    await w.close();
    return result(r, 'FAIL', `started without a keyvalue grant (put answered ${String(put)})`);
  } catch (error) {
    if (codeOf(error) === 'denied') return result(r, 'PASS', messageOf(error));
    return result(r, 'FAIL', `refused, but with code ${String(codeOf(error))} instead of denied: ${messageOf(error)}`);
  }
}

const ACTUATOR_OUTCOMES = ['ok', 'not-found', 'denied', 'out-of-range', 'unavailable', 'timeout'];

async function grantScopedProbe(prefix: 'LNX' | 'BRW', host: ProbeHost, actuator: string): Promise<ProbeResult> {
  const r = reqOf(prefix, 'grant-scoped');
  let w;
  try {
    w = await host.start(await buildProbe('actuator'), { name: 'conformance-actuator', limits: PROBE_LIMITS, grants: { actuators: [] } });
  } catch (error) {
    if (codeOf(error) === 'missing-import') return result(r, 'SKIP', `the host does not offer wasmhost:device/actuators (${interfaceRequirementId(prefix, 'wasmhost:device/actuators')})`);
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

async function isolationProbe(prefix: string, host: ProbeHost): Promise<ProbeResult> {
  const r = reqOf(prefix, 'isolation');
  const bytes = await buildProbe('limits');
  return withWorkload(host, bytes, 'conformance-loop', (looping) => withWorkload(host, bytes, 'conformance-bystander', async (bystander) => {
    let settled = false;
    const loop = spin(looping).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the loop is under way
    const answer = await bystander.call('ok', 1).catch((e: unknown) => e);
    const during = !settled;
    await loop; // whether the loop is stopped in time is the limit-time probe's question
    if (answer !== 2) return result(r, 'FAIL', `while another workload looped, ok(1) gave ${messageOf(answer)}`);
    if (!during) return result(r, 'FAIL', 'the other workload answered only after the loop ended');
    return result(r, 'PASS', 'a workload answered while another was looping');
  }), { ...PROBE_LIMITS, callTimeoutMs: 5000 }); // the loop runs long enough to answer beside it under load
}

async function exitProbe(prefix: string, host: ProbeHost): Promise<ProbeResult> {
  const r = reqOf(prefix, 'exit');
  return withWorkload(host, await buildProbe('exit'), 'conformance-exit', async (w) => {
    const quit = await w.call('quit').then(() => 'returned', (e: unknown) => e);
    if (quit === 'returned') return result(r, 'FAIL', 'a call to wasi:cli/exit returned normally');
    let answer: unknown;
    const answered = await until(async () => (answer = await w.call('ok', 1).catch((e: unknown) => e)) === 2, 15_000);
    if (!answered) return result(r, 'FAIL', `after exit, ok(1) gave ${messageOf(answer)} for 15 s`);
    return result(r, 'PASS', `the exiting call failed (${messageOf(quit)}); the workload answered again`);
  });
}

async function importTimeoutProbe(prefix: string, host: ProbeHost): Promise<ProbeResult> {
  const r = reqOf(prefix, 'import-timeout');
  const limits = { ...PROBE_LIMITS, callTimeoutMs: 5000, importTimeoutMs: 500 };
  const w = await host.start(await buildProbe('stall'), { name: 'conformance-stall', limits, stall: true });
  try {
    const started = performance.now();
    const outcome = await w.call('wait').then((value) => ({ value }), (error: unknown) => ({ error }));
    const ms = Math.round(performance.now() - started);
    if ('value' in outcome) return result(r, 'FAIL', `an import whose provider never answers returned ${String(outcome.value)}`);
    if (ms >= limits.callTimeoutMs) return result(r, 'FAIL', `the import was not bounded: the call failed after ${ms} ms, at its time limit (${limits.callTimeoutMs} ms), not at the import timeout (${limits.importTimeoutMs} ms)`);
    let answer: unknown;
    if (!(await until(async () => (answer = await w.call('ok', 1).catch((e: unknown) => e)) === 2, 15_000))) {
      return result(r, 'FAIL', `after the import timed out, ok(1) gave ${messageOf(answer)} for 15 s`);
    }
    return result(r, 'PASS', `failed after ${ms} ms (import timeout ${limits.importTimeoutMs} ms): ${messageOf(outcome.error)}; the workload answered again`);
  } finally {
    await w.close();
  }
}

async function preopensProbe(prefix: string, host: ProbeHost, dir: string | undefined): Promise<ProbeResult> {
  const r = reqOf(prefix, 'preopens');
  const bytes = await buildProbe('preopens');
  const count = async (grants: Grants) => countPreopens(host, bytes, grants);
  try {
    const without = await count({});
    if (without !== 0) return result(r, 'FAIL', `${String(without)} preopened director(ies) without a filesystem grant`);
    if (dir === undefined) return result(r, 'PASS', 'no preopened directory');
    const granted = await count({ filesystem: { '/conformance': dir } });
    if (granted !== 1) return result(r, 'FAIL', `${String(granted)} preopened director(ies) with a grant of one`);
    return result(r, 'PASS', 'none without a filesystem grant; the one granted with it');
  } catch (error) {
    return result(r, 'FAIL', messageOf(error));
  }
}

async function countPreopens(host: ProbeHost, bytes: Uint8Array, grants: Grants): Promise<unknown> {
  const w = await host.start(bytes, { name: 'conformance-preopens', limits: PROBE_LIMITS, grants });
  try {
    return await w.call('count');
  } finally {
    await w.close();
  }
}
