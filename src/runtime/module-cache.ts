import { limitMemory } from '../component/limit-memory.js';
import type { TranspiledArtifact } from '../ports/artifact-cache.js';

/** Compiled core modules with a memory cap applied, and the hand-back that frees them. */
export interface CompiledModules {
  modules: Record<string, WebAssembly.Module>;
  /**
   * The glue's code cache a worker made (WorkerInit.glueCache), one slot shared like the modules,
   * but only by workloads whose glue is this very source: V8 checks a cache against the code's
   * length only, and another transpile of the same digest may differ.
   */
  glue: { cache?: Uint8Array };
  /** The workload no longer needs them; the last holder's release drops them. */
  release(): void;
}

/**
 * Compiled core modules shared by every isolated workload of one component and memory cap: a
 * `WebAssembly.Module` is posted to each worker (V8 shares its code), not compiled again. Each
 * worker instantiates it with its own memory, so nothing but the code is shared. Counted by
 * holders, so a component no workload runs any more is not kept.
 */
export interface ModuleCache {
  acquire(artifact: TranspiledArtifact, memoryBytes: number): Promise<CompiledModules>;
  /** How many component/cap pairs are held (for tests and reports). */
  readonly size: number;
}

interface Entry { holders: number; modules: Promise<Record<string, WebAssembly.Module>>; glue: { cache?: Uint8Array }; glueSource: string }

export function createModuleCache(): ModuleCache {
  const entries = new Map<string, Entry>();
  return {
    get size() { return entries.size; },
    async acquire(artifact, memoryBytes) {
      const key = `${artifact.digest}@${memoryBytes}`;
      let entry = entries.get(key);
      if (!entry) {
        entry = { holders: 0, modules: compileCapped(artifact, memoryBytes), glue: {}, glueSource: artifact.glue };
        entries.set(key, entry);
        const failed = entry;
        entry.modules.catch(() => entries.get(key) === failed && entries.delete(key));
      }
      entry.holders++;
      const held = entry;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (--held.holders === 0 && entries.get(key) === held) entries.delete(key);
      };
      try {
        return { modules: await held.modules, glue: held.glueSource === artifact.glue ? held.glue : {}, release };
      } catch (error) {
        release();
        throw error;
      }
    },
  };
}

/** Core modules with the memory cap applied, compiled once. */
export async function compileCapped(artifact: TranspiledArtifact, memoryBytes: number): Promise<Record<string, WebAssembly.Module>> {
  const entries = Object.entries(artifact.coreModules).map(async ([file, bytes]) => [file, await WebAssembly.compile(limitMemory(bytes, memoryBytes).bytes)] as const);
  return Object.fromEntries(await Promise.all(entries));
}
