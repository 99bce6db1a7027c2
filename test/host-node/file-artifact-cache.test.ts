import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileArtifactCache } from '../../host-node/file-artifact-cache.js';
import type { TranspiledArtifact } from '../../src/ports/artifact-cache.js';
import { createHost } from '../../src/create-host.js';
import { readWorld } from '../../src/component/read-world.js';
import { watComponentPath } from '../support/wat-components.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function artifact(): TranspiledArtifact {
  return {
    digest: DIGEST,
    glue: 'export function instantiate() { return Promise.resolve({ answer: 42 }); }\n',
    coreModules: { 'component.core.wasm': new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) },
  };
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-cache-'));
  const dropped: string[] = [];
  const cache = createFileArtifactCache({ dir, onCorrupt: (_d, reason) => dropped.push(reason) });
  return { dir, cache, dropped, entry: join(dir, 'jco', 'ab'.repeat(32)) };
}

describe('file artifact cache', () => {
  it('returns nothing for an unknown digest', async () => {
    const { cache, dropped } = await setup();
    expect(await cache.get(DIGEST)).toBeUndefined();
    expect(dropped).toEqual([]);
  });

  it('stores an artifact that a second cache on the same directory reads back', async () => {
    const { dir, cache } = await setup();
    await cache.put(artifact());
    const other = createFileArtifactCache({ dir });
    const cached = await other.get(DIGEST);
    expect(cached).toBeDefined();
    expect([...(await cached!.coreModule('component.core.wasm'))!]).toEqual([0, 97, 115, 109, 1, 0, 0, 0]);
    expect(await cached!.coreModule('missing.wasm')).toBeUndefined();
    const glue = await cached!.importGlue();
    expect(await glue.instantiate(() => { throw new Error('unused'); }, {})).toEqual({ answer: 42 });
  });

  it('drops an entry whose core module was altered', async () => {
    const { cache, dropped, entry } = await setup();
    await cache.put(artifact());
    await writeFile(join(entry, 'component.core.wasm'), new Uint8Array([1, 2, 3]));
    expect(await cache.get(DIGEST)).toBeUndefined();
    expect(dropped).toEqual(['file component.core.wasm does not match its checksum']);
    await expect(readdir(entry)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('drops an entry with a truncated manifest or a missing glue file', async () => {
    const { cache, dropped, entry } = await setup();
    await cache.put(artifact());
    const manifest = await readFile(join(entry, 'manifest.json'), 'utf8');
    await writeFile(join(entry, 'manifest.json'), manifest.slice(0, 20));
    expect(await cache.get(DIGEST)).toBeUndefined();
    expect(dropped[0]).toMatch(/^unreadable manifest/);

    await cache.put(artifact());
    await writeFile(join(entry, 'component.js'), '');
    expect(await cache.get(DIGEST)).toBeUndefined();
    expect(dropped[1]).toBe('file component.js does not match its checksum');
    await cache.put(artifact());
    expect(await cache.get(DIGEST)).toBeDefined();
  });

  it('keeps each component world in a file the next host checks, and replaces a tampered one', async () => {
    const { dir, cache } = await setup();
    expect(await cache.getWorld!(DIGEST)).toBeUndefined();
    const bytes = new Uint8Array(await readFile(await watComponentPath('scalars')));
    const first = await createHost({ artifactCache: cache }).load(bytes);
    const path = join(dir, 'worlds', first.digest.slice(7));
    const stored = await readFile(path, 'utf8');
    expect(stored.startsWith(`wasmhost-world-1 ${first.digest} `)).toBe(true);

    // A second host on the same directory: the world comes from the file, as stored.
    const again = await createHost({ artifactCache: createFileArtifactCache({ dir }) }).load(bytes);
    expect(again.world).toEqual(first.world);
    expect(await readFile(path, 'utf8')).toBe(stored);

    // An edited file is not used: the world is read from the bytes and the file rewritten.
    await writeFile(path, stored.replace('"name":"', '"name":"x'));
    const third = await createHost({ artifactCache: createFileArtifactCache({ dir }) }).load(bytes);
    expect(third.world).toEqual(readWorld(bytes));
    expect(await readFile(path, 'utf8')).toBe(stored);
    expect(await readdir(join(dir, 'worlds'))).toEqual([first.digest.slice(7)]);
  });
});
