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
    importGlue: () => (glue ??= import(`data:text/javascript,${encodeURIComponent(artifact.glue)}`) as Promise<GlueModule>),
    coreModule: async (name) => artifact.coreModules[name],
  };
}
