import { sha256Digest } from './digest.js';
import { fastPathBlocker } from './fast-path-blocker.js';
import { readWorld } from './read-world.js';
import type { ComponentWorld } from './wit-types.js';

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

/** Reads a component: refuses anything that is not one with a `not-a-component` error. */
export async function loadComponent(bytes: Uint8Array, digest: DigestFn = sha256Digest): Promise<Component> {
  const world = readWorld(bytes);
  return { bytes, digest: await digest(bytes), size: bytes.byteLength, world, fastPathBlocker: fastPathBlocker(bytes, world) };
}
