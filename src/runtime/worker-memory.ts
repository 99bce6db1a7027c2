// The host's side of a worker's memory reports (isolate-protocol.ts MemoryReport): the last
// one from the running worker, as the workload's memory and as `wasmhost.workload.memory` gauges.
import type { Telemetry } from '../telemetry/telemetry.js';
import type { MemoryReport } from './isolate-protocol.js';
import type { WorkloadMemory } from './workload-memory.js';

/** What the host knows of an isolated workload's memory. */
export interface WorkerMemory {
  /** Keeps a report from the running worker. */
  take(report: MemoryReport): void;
  /** The worker is gone: no linear memory until the next one reports. */
  clear(): void;
  memory(): WorkloadMemory;
  /** Stops the gauges. */
  close(): void;
}

/** Tracks the reports of `name`'s workers, capped at `limitBytes`; gauges while telemetry is on (the heap one from the first heap figure). */
export function trackWorkerMemory(name: string, limitBytes: number, telemetry: Telemetry): WorkerMemory {
  let last: MemoryReport | undefined;
  const memory = (): WorkloadMemory => {
    const heap = last?.heapBytes === undefined ? {} : { heapBytes: last.heapBytes };
    return { linearBytes: last?.linearBytes ?? 0, limitBytes, ...heap };
  };
  const gauge = (kind: 'linear' | 'heap', read: () => number) => telemetry.observe('wasmhost.workload.memory', read, { 'wasmhost.workload': name, 'wasmhost.memory.kind': kind });
  const stops: (() => void)[] = telemetry.enabled ? [gauge('linear', () => memory().linearBytes)] : [];
  let heapObserved = false;
  return {
    take(report) {
      last = report;
      if (heapObserved || report.heapBytes === undefined || !telemetry.enabled) return;
      heapObserved = true;
      stops.push(gauge('heap', () => memory().heapBytes ?? 0));
    },
    clear: () => void (last = undefined),
    memory,
    close() {
      for (const stop of stops.splice(0)) stop();
      heapObserved = true; // no gauge comes back after close
    },
  };
}
