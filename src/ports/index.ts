export type { ArtifactCache, CachedArtifact, GlueModule, TranspiledArtifact } from './artifact-cache.js';
