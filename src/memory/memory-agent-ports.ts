import { WasmhostError } from '../errors.js';
import type { AgentState, AgentStateStore, Clock, ComponentStore, PackageFetcher } from '../ports/agent-ports.js';

/** Packages served from memory by location; counts fetches so tests can check nothing is fetched twice. */
export function createMemoryFetcher(packages: Record<string, Uint8Array>): PackageFetcher & { fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    async fetch(location) {
      fetched.push(location);
      const bytes = packages[location];
      if (!bytes) throw new WasmhostError('io', `no package at ${location}`);
      return bytes;
    },
  };
}

/** Component bytes in memory. */
export function createMemoryComponentStore(): ComponentStore {
  const blobs = new Map<string, Uint8Array>();
  return { get: async (d) => blobs.get(d), put: async (d, b) => void blobs.set(d, b) };
}

/** Agent state in memory (a deep copy, as a file would hold). */
export function createMemoryStateStore(): AgentStateStore & { current(): AgentState | undefined } {
  let saved: string | undefined;
  return {
    load: async () => (saved === undefined ? undefined : (JSON.parse(saved) as AgentState)),
    save: async (state) => void (saved = JSON.stringify(state)),
    current: () => (saved === undefined ? undefined : (JSON.parse(saved) as AgentState)),
  };
}

/** A clock that only moves when told to: `advance(ms)` runs the intervals that fall due. */
export function createManualClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  const timers = new Set<{ due: number; every: number; run: () => void }>();
  return {
    now: () => now,
    setInterval(run, every) {
      const timer = { due: now + every, every, run };
      timers.add(timer);
      return () => void timers.delete(timer);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers].filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0];
        if (!next) break;
        now = next.due;
        next.due += next.every;
        next.run();
      }
      now = end;
    },
  };
}
