// How much memory one workload holds: the linear memories of its core instances (against its
// cap) and, in a worker, the worker's own JS heap. In-process workloads share the host's heap,
// so no heap figure is given for them.
import type { CoreInstance } from '../component/engine.js';

/** A workload's memory as the console and telemetry show it, in bytes. */
export interface WorkloadMemory {
  /** The byte length of its core instances' linear memories, summed (0 while no instance runs). */
  linearBytes: number;
  /** The cap each linear memory may grow to (the deployment's limits.memoryBytes), where one is set. */
  limitBytes?: number;
  /** The JS heap its worker's isolate uses (V8's used heap size), where the platform tells it per worker. */
  heapBytes?: number;
}

/** The distinct linear memories the core instances define or share (each counted once). */
export function linearMemories(coreInstances: readonly CoreInstance[]): WebAssembly.Memory[] {
  const found = new Set<WebAssembly.Memory>();
  for (const { instance } of coreInstances) {
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) found.add(value);
  }
  return [...found];
}

/** The summed byte length of `memories` now (a property read each: no copy, no allocation). */
export function linearBytes(memories: readonly WebAssembly.Memory[]): number {
  let bytes = 0;
  for (const memory of memories) bytes += memory.buffer.byteLength;
  return bytes;
}
