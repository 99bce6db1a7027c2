// A component's world as kept in an artifact cache (ArtifactCache.getWorld/putWorld), so a
// warm start does not decode the binary again. The text names the component's digest and
// the digest of its body; an entry is used only for that component, intact, and of the
// shape a ComponentWorld has (world-shape.ts). Anything else is read from the bytes again.
import type { DigestFn } from './component.js';
import type { ComponentWorld } from './wit-types.js';
import { isComponentWorld } from './world-shape.js';

/**
 * The format of an entry. Change it whenever readWorld or fastPathBlocker would answer
 * differently for the same bytes, so entries written by an older host are not used.
 */
const FORMAT = 'wasmhost-world-1';

/** What a component's bytes say before anything runs, as cached. */
export interface WorldFacts {
  world: ComponentWorld;
  fastPathBlocker: string | undefined;
}

/** The entry text for the component of `componentDigest`. */
export async function sealWorldEntry(facts: WorldFacts, componentDigest: string, digest: DigestFn): Promise<string> {
  const body = JSON.stringify({ world: facts.world, fastPathBlocker: facts.fastPathBlocker ?? null });
  return `${FORMAT} ${componentDigest} ${await digest(new TextEncoder().encode(body))}\n${body}`;
}

/** The facts in `text` if it is an intact entry of this format for `componentDigest`; undefined otherwise. */
export async function openWorldEntry(text: string | undefined, componentDigest: string, digest: DigestFn): Promise<WorldFacts | undefined> {
  if (text === undefined) return undefined;
  const newline = text.indexOf('\n');
  const [format, forDigest, bodyDigest, extra] = text.slice(0, Math.max(newline, 0)).split(' ');
  if (newline < 0 || format !== FORMAT || forDigest !== componentDigest || extra !== undefined) return undefined;
  const body = text.slice(newline + 1);
  if (bodyDigest !== (await digest(new TextEncoder().encode(body)))) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { world, fastPathBlocker } = parsed as Record<string, unknown>;
  if (!isComponentWorld(world) || (fastPathBlocker !== null && typeof fastPathBlocker !== 'string')) return undefined;
  return { world, fastPathBlocker: fastPathBlocker ?? undefined };
}
