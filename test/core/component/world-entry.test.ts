import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadComponent } from '../../../src/component/component.js';
import { sha256Digest } from '../../../src/component/digest.js';
import { fastPathBlocker } from '../../../src/component/fast-path-blocker.js';
import { readWorld } from '../../../src/component/read-world.js';
import { openWorldEntry, sealWorldEntry } from '../../../src/component/world-entry.js';
import { isComponentWorld } from '../../../src/component/world-shape.js';
import type { ArtifactCache } from '../../../src/ports/artifact-cache.js';
import { WAT_FIXTURES, watComponentPath, type WatComponentName } from '../../support/wat-components.js';

const fixture = async (name: WatComponentName) => new Uint8Array(await readFile(await watComponentPath(name)));

/** A cache that keeps world entries only, counting reads and writes. */
function worldCache(entries = new Map<string, string>()) {
  const calls = { get: 0, put: 0 };
  const cache: Pick<ArtifactCache, 'getWorld' | 'putWorld'> = {
    getWorld: async (digest) => (calls.get++, entries.get(digest)),
    putWorld: async (digest, entry) => void (calls.put++, entries.set(digest, entry)),
  };
  return { cache, entries, calls };
}

/** The entry with its body edited and its header left as it was. */
const editBody = (entry: string, edit: (body: string) => string) => {
  const at = entry.indexOf('\n') + 1;
  return entry.slice(0, at) + edit(entry.slice(at));
};

/** An entry whose header is recomputed for an edited body: intact, of the right component, but of the wrong shape. */
async function resealed(entry: string, digest: string, edit: (parsed: Record<string, unknown>) => void): Promise<string> {
  const body = JSON.parse(entry.slice(entry.indexOf('\n') + 1)) as Record<string, unknown>;
  edit(body);
  const text = JSON.stringify(body);
  return `wasmhost-world-1 ${digest} ${await sha256Digest(new TextEncoder().encode(text))}\n${text}`;
}

describe('cached component worlds', () => {
  it('round-trips the world and fast-path blocker of every WAT fixture', async () => {
    for (const name of WAT_FIXTURES) {
      const bytes = await fixture(name);
      const digest = await sha256Digest(bytes);
      const world = readWorld(bytes);
      const facts = { world, fastPathBlocker: fastPathBlocker(bytes, world) };
      expect(isComponentWorld(world), name).toBe(true);
      expect(await openWorldEntry(await sealWorldEntry(facts, digest, sha256Digest), digest, sha256Digest), name).toEqual(facts);
    }
  });

  it('refuses an entry of another component, of another format, edited, or of the wrong shape', async () => {
    const bytes = await fixture('rich-types');
    const digest = await sha256Digest(bytes);
    const world = readWorld(bytes);
    const entry = await sealWorldEntry({ world, fastPathBlocker: 'x' }, digest, sha256Digest);
    const open = (text: string) => openWorldEntry(text, digest, sha256Digest);
    expect(await open(entry)).toBeDefined();
    expect(await openWorldEntry(entry, `sha256:${'0'.repeat(64)}`, sha256Digest)).toBeUndefined();
    expect(await open(entry.replace('wasmhost-world-1', 'wasmhost-world-0'))).toBeUndefined();
    expect(await open(editBody(entry, (b) => b.replace('"name":"', '"name":"x')))).toBeUndefined();
    expect(await open(entry.slice(0, -1))).toBeUndefined();
    expect(await open(entry.slice(0, entry.indexOf('\n')))).toBeUndefined();
    expect(await open(await resealed(entry, digest, (b) => ((b.world as { imports: unknown[] }).imports = [{ kind: 'interface', interface: { name: 1 } }])))).toBeUndefined();
    expect(await open(await resealed(entry, digest, (b) => (b.fastPathBlocker = 7)))).toBeUndefined();
    expect(await open(await resealed(entry, digest, (b) => (b.world = { imports: [], exports: [{ kind: 'function', function: { name: 'f', params: [{ name: 'a', type: { kind: 'primitive', name: 'u128' } }] } }] })))).toBeUndefined();
    expect(await open(await resealed(entry, digest, () => undefined))).toBeDefined();
  });

  it('loads a component once from its bytes, then from its entry', async () => {
    const bytes = await fixture('scalars');
    const { cache, entries, calls } = worldCache();
    const first = await loadComponent(bytes, sha256Digest, cache);
    expect(calls).toEqual({ get: 1, put: 1 });
    const second = await loadComponent(bytes, sha256Digest, cache);
    expect(calls).toEqual({ get: 2, put: 1 });
    expect(second.world).toEqual(first.world);
    expect(second.fastPathBlocker).toBe(first.fastPathBlocker);
    // The entry is what answers: one sealed for these bytes with another world is used as it is.
    entries.set(first.digest, await sealWorldEntry({ world: { imports: [], exports: [] }, fastPathBlocker: 'sealed' }, first.digest, sha256Digest));
    expect((await loadComponent(bytes, sha256Digest, cache)).fastPathBlocker).toBe('sealed');
  });

  it('decodes the bytes again and replaces a tampered or mismatched entry', async () => {
    const bytes = await fixture('scalars');
    const digest = await sha256Digest(bytes);
    const truth = { world: readWorld(bytes), fastPathBlocker: fastPathBlocker(bytes, readWorld(bytes)) };
    const other = await fixture('strings');
    const otherDigest = await sha256Digest(other);
    const otherEntry = await sealWorldEntry({ world: readWorld(other), fastPathBlocker: undefined }, otherDigest, sha256Digest);
    const good = await sealWorldEntry(truth, digest, sha256Digest);
    const bad = [
      editBody(good, (b) => b.replace('"name":"', '"name":"x')), // edited body
      otherEntry, // another component's entry under this digest
      good.replace(digest, otherDigest), // the header of another component
      await resealed(good, digest, (b) => ((b.world as { exports: unknown }).exports = 'none')), // wrong shape
      'not an entry',
    ];
    for (const entry of bad) {
      const { cache, entries, calls } = worldCache(new Map([[digest, entry]]));
      const component = await loadComponent(bytes, sha256Digest, cache);
      expect(component.world).toEqual(truth.world);
      expect(component.fastPathBlocker).toBe(truth.fastPathBlocker);
      expect(calls.put).toBe(1);
      expect(await openWorldEntry(entries.get(digest), digest, sha256Digest)).toEqual(truth);
    }
  });
});
