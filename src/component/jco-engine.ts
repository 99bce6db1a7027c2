import type { ArtifactCache, CachedArtifact } from '../ports/artifact-cache.js';
import { WasmhostError } from '../errors.js';
import type { Component } from './component.js';
import type { CoreInstance, Engine, EngineInstance, ImportObject, InstanceOptions, PreparedComponent } from './engine.js';
import { limitMemory } from './limit-memory.js';
import { transpileWithJco, type Transpiler } from './transpile.js';

/** Options of the jco engine. */
export interface JcoEngineOptions {
  cache: ArtifactCache;
  /** Replaces jco's transpiler in this thread (a host runs it in a child process; tests count calls). */
  transpile?: Transpiler;
}

/**
 * The V8 engine through jco: transpiles once per digest (through the artifact cache),
 * compiles each core module once per process, and instantiates with host-built imports.
 */
export function createJcoEngine(options: JcoEngineOptions): Engine {
  const transpile = options.transpile ?? transpileWithJco;
  const prepared = new Map<string, Promise<PreparedComponent>>();

  async function prepareOnce(component: Component): Promise<PreparedComponent> {
    let artifact = await options.cache.get(component.digest);
    const transpiled = !artifact;
    if (!artifact) artifact = await options.cache.put(await transpile(component.bytes, component.digest));
    return prepareArtifact(artifact, transpiled);
  }

  return {
    name: 'jco',
    prepare(component) {
      let entry = prepared.get(component.digest);
      if (!entry) {
        entry = prepareOnce(component);
        prepared.set(component.digest, entry);
        entry.catch(() => prepared.delete(component.digest));
      }
      return entry;
    },
  };
}

async function prepareArtifact(artifact: CachedArtifact, transpiled: boolean): Promise<PreparedComponent> {
  const glue = await artifact.importGlue();
  const compiled = new Map<string, Promise<WebAssembly.Module>>();
  // Compiled once per module and memory cap.
  const getCoreModule = (name: string, memoryBytes?: number): Promise<WebAssembly.Module> => {
    const key = `${name}@${memoryBytes ?? ''}`;
    let module = compiled.get(key);
    if (!module) {
      module = artifact.coreModule(name).then((bytes) => {
        if (!bytes) throw new WasmhostError('cache-corrupt', `artifact ${artifact.digest} has no core module ${name}`);
        return WebAssembly.compile(memoryBytes === undefined ? bytes : limitMemory(bytes, memoryBytes).bytes);
      });
      compiled.set(key, module);
    }
    return module;
  };
  return {
    digest: artifact.digest,
    transpiled,
    async instantiate(imports: ImportObject, options: InstanceOptions = {}): Promise<EngineInstance> {
      const coreInstances: CoreInstance[] = [];
      const instantiateCore = async (module: WebAssembly.Module, coreImports?: Record<string, Record<string, unknown>>) => {
        const instance = await WebAssembly.instantiate(module, coreImports);
        coreInstances.push({ module, instance });
        return instance;
      };
      const exports = await glue.instantiate((name: string) => getCoreModule(name, options.memoryBytes), imports, instantiateCore);
      return { exports, coreInstances };
    },
  };
}
