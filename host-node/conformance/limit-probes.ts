// Probes of the limits a Linux host enforces on a worker-isolated workload: a call past its
// time limit is stopped, a memory past its cap fails with out-of-memory, a trap restarts
// the workload with backoff. Each probe starts its own instance of the `limits` probe.
import type { Component } from '../../src/component/component.js';
import type { Host } from '../../src/create-host.js';
import type { IsolatedWorkload, IsolationEvent } from '../../src/runtime/isolated-workload.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { LINUX_REQUIREMENTS, type Requirement } from '../../src/conformance/requirements.js';

/** The limits every probe runs under. */
export const PROBE_LIMITS = { callTimeoutMs: 1000, memoryBytes: 4 * 1024 * 1024 };
/** How long past callTimeoutMs a stopped call may take to be reported. */
export const TIMEOUT_SLACK_MS = 2000;

const req = (id: string): Requirement => LINUX_REQUIREMENTS.find((r) => r.id === id)!;

/** Runs the time, memory and restart probes against a host. */
export async function limitProbes(host: Host, limits: Component): Promise<ProbeResult[]> {
  return [await timeProbe(host, limits), await memoryProbe(host, limits), await restartProbe(host, limits)];
}

async function withWorkload<T>(host: Host, component: Component, run: (w: IsolatedWorkload, events: IsolationEvent[]) => Promise<T>): Promise<T> {
  const events: IsolationEvent[] = [];
  const workload = await host.startIsolated(component, { name: 'conformance-limits', limits: PROBE_LIMITS, onEvent: (e) => events.push(e) });
  try {
    return await run(workload, events);
  } finally {
    await workload.close();
  }
}

function reasonOf(error: unknown): string | undefined {
  return (error as { data?: { reason?: string } } | undefined)?.data?.reason;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function timeProbe(host: Host, component: Component): Promise<ProbeResult> {
  const r = req('LNX-limit-time');
  const deadline = PROBE_LIMITS.callTimeoutMs + TIMEOUT_SLACK_MS;
  return withWorkload(host, component, async (w) => {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadline)));
    const outcome = await Promise.race([w.call('spin').then(() => 'returned' as const, (e: unknown) => e), late]);
    clearTimeout(timer);
    const ms = Math.round(performance.now() - started);
    if (outcome === 'late') return result(r, 'FAIL', `an endless loop was still running after ${ms} ms (callTimeoutMs ${PROBE_LIMITS.callTimeoutMs})`);
    if (outcome === 'returned') return result(r, 'FAIL', 'an endless loop returned');
    return result(r, 'PASS', `stopped after ${ms} ms (callTimeoutMs ${PROBE_LIMITS.callTimeoutMs}): ${messageOf(outcome)}`);
  });
}

async function memoryProbe(host: Host, component: Component): Promise<ProbeResult> {
  const r = req('LNX-limit-memory');
  const pages = (2 * PROBE_LIMITS.memoryBytes) / 65536;
  return withWorkload(host, component, async (w) => {
    try {
      const size = await w.call('hog', pages);
      return result(r, 'FAIL', `memory grew to ${String(size)} pages of 64 KiB with a limit of ${PROBE_LIMITS.memoryBytes / 65536}`);
    } catch (error) {
      if (reasonOf(error) === 'out-of-memory') return result(r, 'PASS', messageOf(error));
      return result(r, 'FAIL', `failed without the out-of-memory reason: ${messageOf(error)}`);
    }
  });
}

async function restartProbe(host: Host, component: Component): Promise<ProbeResult> {
  const r = req('LNX-limit-restart');
  return withWorkload(host, component, async (w, events) => {
    const waits: number[] = [];
    for (let i = 1; i <= 2; i++) {
      const trapped = await w.call('boom').then(() => false, () => true);
      if (!trapped) return result(r, 'FAIL', 'a trapping call returned');
      const stop = events.filter((e) => e.type === 'stopped').at(-1);
      if (stop?.type !== 'stopped' || stop.restartInMs === undefined) return result(r, 'FAIL', 'the trap was not followed by a scheduled restart');
      waits.push(stop.restartInMs);
      if (!(await until(() => events.some((e) => e.type === 'started' && e.restarts >= i), 15_000))) {
        return result(r, 'FAIL', `no restart within 15 s of trap ${i}`);
      }
    }
    const answer = await w.call('ok', 41).catch((e: unknown) => e);
    if (answer !== 42) return result(r, 'FAIL', `after two restarts ok(41) gave ${messageOf(answer)}`);
    if (!(waits[0] > 0 && waits[1] > waits[0])) return result(r, 'FAIL', `restart delays ${waits.join(', ')} ms do not back off`);
    return result(r, 'PASS', `restarted after ${waits.join(' then ')} ms, then answered`);
  });
}

async function until(done: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
