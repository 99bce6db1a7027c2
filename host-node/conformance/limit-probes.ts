// Probes of the limits a host enforces on a worker-isolated workload: a call past its time
// limit is stopped, a memory past its cap fails with out-of-memory, a trap restarts the
// workload with backoff. Each probe starts its own instance of the `limits` probe.
import { messageOf, reasonOf, type ProbeHost, type ProbeWorkload } from '../../src/conformance/probe-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { ALL_REQUIREMENTS, type Requirement } from '../../src/conformance/requirements.js';
import type { IsolationEvent } from '../../src/runtime/isolated-workload.js';

/** The limits every probe runs under. */
export const PROBE_LIMITS = { callTimeoutMs: 1000, memoryBytes: 4 * 1024 * 1024 };
/** How long past callTimeoutMs a stopped call may take to be reported. */
export const TIMEOUT_SLACK_MS = 2000;

/** The requirement `<prefix>-<name>` (`LNX-limit-time`). */
export const reqOf = (prefix: string, name: string): Requirement => ALL_REQUIREMENTS.find((r) => r.id === `${prefix}-${name}`)!;

/** Runs the time, memory and restart probes against a host. */
export async function limitProbes(prefix: string, host: ProbeHost, limits: Uint8Array): Promise<ProbeResult[]> {
  return [await timeProbe(prefix, host, limits), await memoryProbe(prefix, host, limits), await restartProbe(prefix, host, limits)];
}

/** Starts `bytes` isolated under `limits` (default PROBE_LIMITS), runs `run`, closes it. */
export async function withWorkload<T>(host: ProbeHost, bytes: Uint8Array, name: string, run: (w: ProbeWorkload) => Promise<T>, limits = PROBE_LIMITS): Promise<T> {
  const workload = await host.start(bytes, { name, limits });
  try {
    return await run(workload);
  } finally {
    await workload.close();
  }
}

/** A spin call's outcome: stopped (with the error and how long it took), returned, or still running at the deadline. */
export async function spin(w: ProbeWorkload): Promise<{ outcome: 'late' | 'returned' | 'stopped'; ms: number; error?: unknown }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), PROBE_LIMITS.callTimeoutMs + TIMEOUT_SLACK_MS)));
  const outcome = await Promise.race([w.call('spin').then(() => 'returned' as const, (e: unknown) => ({ error: e })), late]);
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  return typeof outcome === 'string' ? { outcome, ms } : { outcome: 'stopped', ms, error: outcome.error };
}

async function timeProbe(prefix: string, host: ProbeHost, bytes: Uint8Array): Promise<ProbeResult> {
  const r = reqOf(prefix, 'limit-time');
  return withWorkload(host, bytes, 'conformance-limits', async (w) => {
    const { outcome, ms, error } = await spin(w);
    if (outcome === 'late') return result(r, 'FAIL', `an endless loop was still running after ${ms} ms (callTimeoutMs ${PROBE_LIMITS.callTimeoutMs})`);
    if (outcome === 'returned') return result(r, 'FAIL', 'an endless loop returned');
    return result(r, 'PASS', `stopped after ${ms} ms (callTimeoutMs ${PROBE_LIMITS.callTimeoutMs}): ${messageOf(error)}`);
  });
}

async function memoryProbe(prefix: string, host: ProbeHost, bytes: Uint8Array): Promise<ProbeResult> {
  const r = reqOf(prefix, 'limit-memory');
  const pages = (2 * PROBE_LIMITS.memoryBytes) / 65536;
  return withWorkload(host, bytes, 'conformance-limits', async (w) => {
    try {
      const size = await w.call('hog', pages);
      return result(r, 'FAIL', `memory grew to ${String(size)} pages of 64 KiB with a limit of ${PROBE_LIMITS.memoryBytes / 65536}`);
    } catch (error) {
      if (reasonOf(error) === 'out-of-memory') return result(r, 'PASS', messageOf(error));
      return result(r, 'FAIL', `failed without the out-of-memory reason: ${messageOf(error)}`);
    }
  });
}

async function restartProbe(prefix: string, host: ProbeHost, bytes: Uint8Array): Promise<ProbeResult> {
  const r = reqOf(prefix, 'limit-restart');
  return withWorkload(host, bytes, 'conformance-limits', async (w) => {
    const waits: number[] = [];
    for (let i = 1; i <= 2; i++) {
      const trapped = await w.call('boom').then(() => false, () => true);
      if (!trapped) return result(r, 'FAIL', 'a trapping call returned');
      const stop = (await w.events()).filter((e) => e.type === 'stopped').at(-1);
      if (stop?.type !== 'stopped' || stop.restartInMs === undefined) return result(r, 'FAIL', 'the trap was not followed by a scheduled restart');
      waits.push(stop.restartInMs);
      if (!(await until(async () => (await w.events()).some((e: IsolationEvent) => e.type === 'started' && e.restarts >= i), 15_000))) {
        return result(r, 'FAIL', `no restart within 15 s of trap ${i}`);
      }
    }
    const answer = await w.call('ok', 41).catch((e: unknown) => e);
    if (answer !== 42) return result(r, 'FAIL', `after two restarts ok(41) gave ${messageOf(answer)}`);
    if (!(waits[0] > 0 && waits[1] > waits[0])) return result(r, 'FAIL', `restart delays ${waits.join(', ')} ms do not back off`);
    return result(r, 'PASS', `restarted after ${waits.join(' then ')} ms, then answered`);
  });
}

/** Polls `done` every 20 ms until it holds or `ms` pass. */
export async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!(await done())) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
