import type { ArtifactCache, CachedArtifact, GlueModule, TranspiledArtifact } from '../ports/artifact-cache.js';

/** An artifact cache held in memory: for tests, and for hosts with nowhere to persist. */
export function createMemoryArtifactCache(): ArtifactCache {
  const entries = new Map<string, CachedArtifact>();
  return {
    async get(digest) {
      return entries.get(digest);
    },
    async put(artifact) {
      const cached = cachedFromMemory(artifact);
      entries.set(artifact.digest, cached);
      return cached;
    },
  };
}

/** Wraps an in-memory artifact; the glue is imported from a data: URL (works in Node and browsers). */
export function cachedFromMemory(artifact: TranspiledArtifact): CachedArtifact {
  let glue: Promise<GlueModule> | undefined;
  return {
    digest: artifact.digest,
    // sourceURL keeps stack traces short: without it they quote the whole data: URL.
    importGlue: () => (glue ??= import(`data:text/javascript,${encodeURIComponent(`${artifact.glue}\n//# sourceURL=wasmhost-glue-${artifact.digest.slice(7, 19)}.js`)}`) as Promise<GlueModule>),
    coreModule: async (name) => artifact.coreModules[name],
    artifact: async () => artifact,
  };
}
