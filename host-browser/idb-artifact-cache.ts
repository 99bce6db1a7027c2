import { isDigest, sha256Digest } from '../src/component/digest.js';
import { WasmhostError } from '../src/errors.js';
import type { ArtifactCache, CachedArtifact, GlueModule, TranspiledArtifact } from '../src/ports/artifact-cache.js';
import { IDB_STORES, idbError, inTransaction, requestResult } from './idb.js';

/** How a remote look-up ended: fetched (verified and stored), absent (404 on its index), or failed, and why. */
export type RemoteOutcome =
  | { status: 'fetched'; url: string; ms: number }
  | { status: 'absent'; url: string }
  | { status: 'failed'; url: string; error: WasmhostError };

/** Options of the IndexedDB artifact cache. */
export interface IdbArtifactCacheOptions {
  /**
   * Base URL (ending in `/`) of pre-transpiled artifacts served by a Linux host, e.g.
   * `/artifacts/`. A digest not cached here is first looked for at `<remote><digest>/index.json`.
   */
  remote?: string;
  /** Told when an entry fails its integrity check and is dropped (the caller then rebuilds it). */
  onCorrupt?: (digest: string, reason: string) => void;
  /** Told how each remote look-up ended: fetched (and stored), absent (404), or failed (why). */
  onRemote?: (digest: string, outcome: RemoteOutcome) => void;
}

/** One cache entry as stored: the parts and the `sha256:<hex>` of each, glue included (over its UTF-8). */
interface ArtifactRecord {
  digest: string;
  glue: string;
  coreModules: Record<string, Uint8Array>;
  sums: { glue: string; coreModules: Record<string, string> };
}

/**
 * Transpiled artifacts in `db`'s `artifacts` object store, one record per component digest.
 * Each part's sha256 is recorded on `put` and checked on `get`, so an entry damaged on disk
 * (or edited) is dropped and reported instead of run. Needs Web Crypto (a secure context,
 * which cross-origin isolation needs anyway).
 */
export function createIdbArtifactCache(db: IDBDatabase, options: IdbArtifactCacheOptions = {}): ArtifactCache {
  async function drop(digest: string, reason: string): Promise<undefined> {
    options.onCorrupt?.(digest, reason);
    try {
      await inTransaction(db, IDB_STORES.artifacts, 'readwrite', (objects) => void objects.delete(digest));
    } catch (error) {
      throw idbError(`cannot drop corrupt artifact ${digest} (${reason}) from IndexedDB database "${db.name}"`, error);
    }
    return undefined;
  }

  async function put(artifact: TranspiledArtifact): Promise<CachedArtifact> {
    const coreModules: Record<string, Uint8Array> = {};
    const sums: ArtifactRecord['sums'] = { glue: await sha256(new TextEncoder().encode(artifact.glue)), coreModules: {} };
    for (const [name, bytes] of Object.entries(artifact.coreModules)) {
      coreModules[name] = bytes.slice();
      sums.coreModules[name] = await sha256(bytes);
    }
    const record: ArtifactRecord = { digest: artifact.digest, glue: artifact.glue, coreModules, sums };
    try {
      await inTransaction(db, IDB_STORES.artifacts, 'readwrite', (objects) => void objects.put(record, artifact.digest));
    } catch (error) {
      throw idbError(`cannot store artifact ${artifact.digest} in IndexedDB database "${db.name}"`, error);
    }
    return cachedFromRecord(record);
  }

  async function cached(digest: string): Promise<CachedArtifact | undefined> {
    let record: unknown;
    try {
      record = await inTransaction(db, IDB_STORES.artifacts, 'readonly', (objects) => requestResult(objects.get(digest)));
    } catch (error) {
      throw idbError(`cannot read artifact ${digest} from IndexedDB database "${db.name}"`, error);
    }
    if (record === undefined) return undefined;
    const problem = await check(record, digest);
    return problem ? drop(digest, problem) : cachedFromRecord(record as ArtifactRecord);
  }

  return {
    async get(digest) {
      const hit = await cached(digest);
      if (hit || options.remote === undefined || !isDigest(digest)) return hit;
      const url = `${options.remote}${digest}/index.json`;
      const started = performance.now();
      let stored: CachedArtifact | undefined;
      let outcome: RemoteOutcome;
      try {
        const artifact = await fetchRemoteArtifact(url, digest);
        stored = artifact && (await put(artifact));
        outcome = stored ? { status: 'fetched', url, ms: performance.now() - started } : { status: 'absent', url };
      } catch (error) {
        const wrapped = error instanceof WasmhostError ? error : new WasmhostError('io', `${url}: ${(error as Error).message}`, { cause: error });
        outcome = { status: 'failed', url, error: wrapped };
      }
      options.onRemote?.(digest, outcome);
      return stored;
    },
    put,
  };
}

/**
 * A Linux host's pre-transpiled artifact: `<base>/<digest>/index.json` is
 * `{ digest, glue: "<file>", coreModules: { "<file>.wasm": "sha256:<hex>" } }`, and each named
 * file sits beside it. Every core module must match its digest (the glue has none: it comes
 * from the same origin as the page). Undefined on a 404 of the index; throws on anything else.
 */
async function fetchRemoteArtifact(indexUrl: string, digest: string): Promise<TranspiledArtifact | undefined> {
  const base = new URL('.', new URL(indexUrl, globalThis.location?.href));
  const get = async (url: string): Promise<Response | undefined> => {
    const response = await fetch(url).catch((error: Error) => {
      throw new WasmhostError('io', `cannot fetch ${url}: ${error.message}`, { cause: error });
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new WasmhostError('io', `cannot fetch ${url}: HTTP ${response.status}`);
    return response;
  };
  const indexResponse = await get(indexUrl);
  if (!indexResponse) return undefined;
  const index = (await indexResponse.json().catch(() => undefined)) as { digest?: unknown; glue?: unknown; coreModules?: unknown } | undefined;
  const plainName = (name: unknown): name is string => typeof name === 'string' && /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.');
  if (!index || index.digest !== digest || !plainName(index.glue) || typeof index.coreModules !== 'object' || index.coreModules === null) {
    throw new WasmhostError('bad-input', `${indexUrl} is not an artifact index for ${digest} ({ digest, glue, coreModules })`);
  }
  const wanted = Object.entries(index.coreModules as Record<string, unknown>);
  for (const [name, sum] of wanted) {
    if (!plainName(name) || typeof sum !== 'string' || !isDigest(sum)) {
      throw new WasmhostError('bad-input', `${indexUrl}: core module entry ${JSON.stringify(name)} needs a plain file name and a sha256:<hex> digest`);
    }
  }
  const must = async (name: string): Promise<Response> => {
    const url = new URL(name, base).href;
    const response = await get(url);
    if (!response) throw new WasmhostError('io', `cannot fetch ${url}: HTTP 404, though ${indexUrl} lists it`);
    return response;
  };
  const [glue, ...modules] = await Promise.all([
    must(index.glue).then((r) => r.text()),
    ...wanted.map(async ([name, sum]) => {
      const bytes = new Uint8Array(await (await must(name)).arrayBuffer());
      const actual = await sha256(bytes);
      if (actual !== sum) throw new WasmhostError('cache-corrupt', `${new URL(name, base).href} is ${actual}, but ${indexUrl} says ${sum as string}; the remote artifact is refused`);
      return [name, bytes] as const;
    }),
  ]);
  return { digest, glue, coreModules: Object.fromEntries(modules) };
}

/** Why a stored record cannot be used for `digest`, or undefined when every part matches its sum. */
async function check(value: unknown, digest: string): Promise<string | undefined> {
  const record = value as Partial<ArtifactRecord> | null;
  if (typeof record !== 'object' || record === null || typeof record.glue !== 'string' || typeof record.coreModules !== 'object' || !record.sums) {
    return 'the record is not an artifact entry';
  }
  if (record.digest !== digest) return `the record describes ${String(record.digest)}`;
  if ((await sha256(new TextEncoder().encode(record.glue))) !== record.sums.glue) return 'the glue does not match its checksum';
  const names = Object.keys(record.coreModules ?? {});
  const summed = Object.keys(record.sums.coreModules ?? {});
  for (const name of summed) if (!names.includes(name)) return `core module ${name} is missing`;
  for (const name of names) {
    const bytes = record.coreModules![name];
    if (!(bytes instanceof Uint8Array)) return `core module ${name} is not bytes`;
    const sum = record.sums.coreModules?.[name];
    if (sum === undefined) return `core module ${name} has no checksum`;
    if ((await sha256(bytes)) !== sum) return `core module ${name} does not match its checksum`;
  }
  return undefined;
}

/** A checked record as a CachedArtifact; the glue is imported once, from a Blob URL revoked after the import. */
function cachedFromRecord(record: ArtifactRecord): CachedArtifact {
  let glue: Promise<GlueModule> | undefined;
  return {
    digest: record.digest,
    importGlue: () => (glue ??= importFromBlob(`${record.glue}\n//# sourceURL=wasmhost-glue-${record.digest.slice(7, 19)}.js\n`)),
    coreModule: async (name) => (Object.hasOwn(record.coreModules, name) ? record.coreModules[name] : undefined),
    artifact: async () => ({ digest: record.digest, glue: record.glue, coreModules: { ...record.coreModules } }),
  };
}

async function importFromBlob(source: string): Promise<GlueModule> {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return (await import(/* @vite-ignore */ url)) as GlueModule;
  } catch (error) {
    throw new WasmhostError('io', `cannot import the cached glue module: ${(error as Error).message}`, { cause: error });
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** `sha256:<hex>` of `bytes`, with a clear error where Web Crypto is missing. */
function sha256(bytes: Uint8Array): Promise<string> {
  if (!globalThis.crypto?.subtle) {
    throw new WasmhostError('unsupported', 'Web Crypto (crypto.subtle) is missing: the page is not a secure context; serve it over https or from localhost');
  }
  return sha256Digest(bytes);
}
