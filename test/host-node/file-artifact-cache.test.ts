import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileArtifactCache } from '../../host-node/file-artifact-cache.js';
import type { TranspiledArtifact } from '../../src/ports/artifact-cache.js';

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
});
