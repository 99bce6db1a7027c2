import type { ArtifactCache } from '../ports/artifact-cache.js';
import { sha256Digest } from './digest.js';
import { fastPathBlocker } from './fast-path-blocker.js';
import { readWorld } from './read-world.js';
import type { ComponentWorld } from './wit-types.js';
import { openWorldEntry, sealWorldEntry, type WorldFacts } from './world-entry.js';

/** A component's bytes with what the host knows of it before running anything. */
export interface Component {
  readonly bytes: Uint8Array;
  /** `sha256:<hex>` of `bytes`. */
  readonly digest: string;
  readonly size: number;
  /** Imports and exports with full WIT types, read from the binary (no transpile). */
  readonly world: ComponentWorld;
  /** Why scalar exports must go through jco's glue rather than straight to the core export; undefined when they need not. */
  readonly fastPathBlocker: string | undefined;
}

/** Computes `sha256:<hex>`; a host may supply its platform's fastest way. */
export type DigestFn = (bytes: Uint8Array) => Promise<string> | string;

/**
 * Reads a component: refuses anything that is not one with a `not-a-component` error. With a
 * cache that keeps worlds, the world of a component seen before comes from its checked entry
 * (world-entry.ts); a missing, damaged or foreign entry is decoded again and replaced.
 */
export async function loadComponent(bytes: Uint8Array, digest: DigestFn = sha256Digest, cache?: Pick<ArtifactCache, 'getWorld' | 'putWorld'>): Promise<Component> {
  const sum = await digest(bytes);
  const known = cache?.getWorld && (await openWorldEntry(await cache.getWorld(sum), sum, digest));
  const facts = known || readFacts(bytes);
  if (!known && cache?.putWorld) await cache.putWorld(sum, await sealWorldEntry(facts, sum, digest));
  return { bytes, digest: sum, size: bytes.byteLength, ...facts };
}

function readFacts(bytes: Uint8Array): WorldFacts {
  const world = readWorld(bytes);
  return { world, fastPathBlocker: fastPathBlocker(bytes, world) };
}
