import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadGlueScript } from './glue-code-cache.js';
import type { ArtifactCache, CachedArtifact, GlueModule, TranspiledArtifact } from '../src/ports/artifact-cache.js';

/** Options of the file-system artifact cache. */
export interface FileArtifactCacheOptions {
  /** Root directory; entries live in `<dir>/<namespace>/<hex digest>/`, worlds in `<dir>/worlds/<hex digest>`. */
  dir: string;
  /** Separates artifacts of different transpiler versions (default `jco`). */
  namespace?: string;
  /** Told when an entry fails its check and is dropped (it is then rebuilt by the caller). */
  onCorrupt?: (digest: string, reason: string) => void;
}

interface EntryManifest { digest: string; files: Record<string, string> }

const MANIFEST = 'manifest.json';
const GLUE = 'component.js';
/** V8's code cache of the glue: derived, so not in the manifest; it names the code it was made from (glue-code-cache.ts). */
const CODE_CACHE = 'component.js.v8cache';

/**
 * Transpiled artifacts on disk, one directory per component digest. Every file's sha256 is
 * recorded in a manifest and checked on read, so a truncated or edited entry is dropped and
 * rebuilt instead of being run. Entries are written to a temporary directory and renamed in.
 */
export function createFileArtifactCache(options: FileArtifactCacheOptions): ArtifactCache {
  const root = join(options.dir, options.namespace ?? 'jco');
  const entryDir = (digest: string) => join(root, digest.replace(/^sha256:/, ''));
  // Worlds do not depend on the transpiler, so they sit beside its namespaces; the core checks each (world-entry.ts).
  const worlds = join(options.dir, 'worlds');
  const worldPath = (digest: string) => join(worlds, digest.replace(/^sha256:/, ''));

  async function drop(digest: string, reason: string): Promise<undefined> {
    options.onCorrupt?.(digest, reason);
    await rm(entryDir(digest), { recursive: true, force: true });
    return undefined;
  }

  return {
    async get(digest) {
      const dir = entryDir(digest);
      let manifest: EntryManifest;
      try {
        manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as EntryManifest;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        return drop(digest, `unreadable manifest: ${(error as Error).message}`);
      }
      if (manifest.digest !== digest || !manifest.files?.[GLUE]) return drop(digest, 'manifest does not describe this digest');
      const listed = Object.entries(manifest.files);
      // Read together: each read is several turns of the event loop.
      const read = await Promise.all(listed.map(([name]) => readFile(join(dir, name)).catch(() => undefined)));
      const files: Record<string, Uint8Array> = {};
      for (const [i, [name, sum]] of listed.entries()) {
        const data = read[i];
        if (!data) return drop(digest, `missing file ${name}`);
        if (sha256(data) !== sum) return drop(digest, `file ${name} does not match its checksum`);
        files[name] = data;
      }
      return cachedFromDisk(dir, digest, files, manifest.files[GLUE]);
    },
    async getWorld(digest) {
      return readFile(worldPath(digest), 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
    },
    async putWorld(digest, entry) {
      const path = worldPath(digest);
      const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
      await mkdir(worlds, { recursive: true });
      await writeFile(tmp, entry);
      await rename(tmp, path);
    },
    async put(artifact: TranspiledArtifact) {
      const files: Record<string, Uint8Array> = { ...artifact.coreModules, [GLUE]: Buffer.from(artifact.glue) };
      const manifest: EntryManifest = { digest: artifact.digest, files: {} };
      const tmp = join(root, `.tmp-${randomBytes(6).toString('hex')}`);
      await mkdir(tmp, { recursive: true });
      for (const [name, data] of Object.entries(files)) {
        await writeFile(join(tmp, name), data);
        manifest.files[name] = sha256(data);
      }
      await writeFile(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2));
      const dir = entryDir(artifact.digest);
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir).catch(async (error: NodeJS.ErrnoException) => {
        // Another process stored the same digest first; its entry is as good as ours.
        await rm(tmp, { recursive: true, force: true });
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
      return cachedFromDisk(dir, artifact.digest, files, manifest.files[GLUE]);
    },
  };
}

function cachedFromDisk(dir: string, digest: string, files: Record<string, Uint8Array>, glueSum: string): CachedArtifact {
  let glue: Promise<GlueModule> | undefined;
  const path = join(dir, GLUE);
  // The checksum in the URL keeps Node's module map from serving a replaced file's old module.
  const asModule = () => import(`${pathToFileURL(path).href}?${glueSum.slice(0, 16)}`) as Promise<GlueModule>;
  const source = Buffer.from(files[GLUE]).toString('utf8');
  return {
    digest,
    importGlue: () => (glue ??= loadGlueScript(path, source, join(dir, CODE_CACHE), asModule, glueSum)),
    coreModule: async (name) => (name.endsWith('.wasm') ? files[name] : undefined),
    artifact: async () => ({ digest, glue: source, coreModules: Object.fromEntries(Object.entries(files).filter(([n]) => n.endsWith('.wasm'))) }),
  };
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
