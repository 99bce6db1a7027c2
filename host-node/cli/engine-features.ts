// This process's V8, named for messages: what `check` and `run` predict with.
import { runningEngineFeatures } from '../../src/component/engine-features.js';
import type { EngineFeatures } from '../../src/component/engine-support.js';

/** This process's V8 as EngineFeatures (after the host has set its V8 flags). */
export function nodeEngineFeatures(): EngineFeatures {
  return runningEngineFeatures(`V8 ${process.versions.v8.split('-')[0]} (Node ${process.versions.node})`);
}
