/// <reference lib="dom" />
// Page half of test/host-browser/storage.test.ts for the other storage and fetch ports: agent
// state, component bytes, the artifact cache (local, corrupt, remote) and the fetch clients.
import { createFetchHttpClient, createFetchPackageFetcher, type FetchHttpClientOptions } from '../../../host-browser/fetch-ports.js';
import { IDB_STORES, openWasmhostDb, requestResult } from '../../../host-browser/idb.js';
import { createIdbComponentStore, createIdbStateStore } from '../../../host-browser/idb-agent-ports.js';
import { createIdbArtifactCache, type RemoteOutcome } from '../../../host-browser/idb-artifact-cache.js';
import type { AgentState } from '../../../src/ports/agent-ports.js';
import type { CachedArtifact } from '../../../src/ports/artifact-cache.js';
import type { HttpMethod } from '../../../src/ports/http-client.js';

const failure = (e: unknown) => ({ error: `${(e as { code?: string }).code}: ${(e as Error).message}` });

async function saveState(name: string, state: AgentState) {
  const db = await openWasmhostDb(name);
  await createIdbStateStore(db).save(state);
  db.close();
}

async function loadState(name: string) {
  const db = await openWasmhostDb(name);
  try {
    return { state: await createIdbStateStore(db).load() };
  } catch (e) {
    return failure(e);
  } finally {
    db.close();
  }
}

/** Puts something that is not JSON text where the state lives. */
async function spoilState(name: string) {
  const db = await openWasmhostDb(name);
  const tx = db.transaction(IDB_STORES.agent, 'readwrite');
  tx.objectStore(IDB_STORES.agent).put('{"desired": [', 'state');
  await new Promise((r) => (tx.oncomplete = r));
  db.close();
}

async function putComponent(name: string, digest: string, data: number[]) {
  const db = await openWasmhostDb(name);
  const backing = new Uint8Array([0xee, ...data, 0xee]);
  await createIdbComponentStore(db).put(digest, backing.subarray(1, 1 + data.length));
  db.close();
}

async function getComponent(name: string, digest: string) {
  const db = await openWasmhostDb(name);
  const bytes = await createIdbComponentStore(db).get(digest);
  db.close();
  return bytes && { data: [...bytes], isBytes: bytes instanceof Uint8Array, bufferLength: bytes.buffer.byteLength };
}

/** Runs a cached artifact: imports its glue (Blob URL) and calls the `add` its core module exports. */
async function runArtifact(cached: CachedArtifact) {
  const glue = await cached.importGlue();
  const exports = await glue.instantiate(async (file) => WebAssembly.compile((await cached.coreModule(file)) as Uint8Array<ArrayBuffer>), {});
  return (exports.add as (a: number, b: number) => number)(2, 40);
}

async function putArtifact(name: string, digest: string, glue: string, modules: Record<string, number[]>) {
  const db = await openWasmhostDb(name);
  const coreModules = Object.fromEntries(Object.entries(modules).map(([f, b]) => [f, new Uint8Array(b)]));
  const cached = await createIdbArtifactCache(db).put({ digest, glue, coreModules });
  const result = await runArtifact(cached);
  db.close();
  return { result };
}

async function getArtifact(name: string, digest: string, remote?: string) {
  const db = await openWasmhostDb(name);
  const corrupt: string[] = [];
  const outcomes: string[] = [];
  const describe = (o: RemoteOutcome) => (o.status === 'failed' ? `failed ${o.error.code}: ${o.error.message}` : o.status);
  const cache = createIdbArtifactCache(db, { remote, onCorrupt: (d, why) => corrupt.push(`${d}: ${why}`), onRemote: (d, o) => outcomes.push(`${d} ${describe(o)}`) });
  try {
    const cached = await cache.get(digest);
    const stored = await requestResult(db.transaction(IDB_STORES.artifacts).objectStore(IDB_STORES.artifacts).get(digest));
    const whole = cached && (await cached.artifact());
    return {
      found: cached !== undefined,
      result: cached && (await runArtifact(cached)),
      glue: whole?.glue,
      modules: whole && Object.fromEntries(Object.entries(whole.coreModules).map(([f, b]) => [f, b.length])),
      missingModule: cached && (await cached.coreModule('nope.wasm')),
      stored: stored !== undefined,
      corrupt,
      outcomes,
    };
  } catch (e) {
    return { ...failure(e), corrupt, outcomes };
  } finally {
    db.close();
  }
}

/** Damages a stored artifact record in place: flips a byte of a core module, edits the glue, or stores junk. */
async function corruptArtifact(name: string, digest: string, how: 'module' | 'glue' | 'junk' | 'missing') {
  const db = await openWasmhostDb(name);
  const tx = db.transaction(IDB_STORES.artifacts, 'readwrite');
  const objects = tx.objectStore(IDB_STORES.artifacts);
  const record = await requestResult(objects.get(digest));
  if (how === 'module') {
    const [file] = Object.keys(record.coreModules);
    record.coreModules[file][record.coreModules[file].length - 2] ^= 1;
  } else if (how === 'glue') record.glue += '\n// edited';
  else if (how === 'missing') delete record.coreModules[Object.keys(record.coreModules)[0]];
  objects.put(how === 'junk' ? 'not a record' : record, digest);
  await new Promise((r) => (tx.oncomplete = r));
  db.close();
}

async function request(method: HttpMethod, url: string, init: { headers?: Record<string, string>; body?: string }, options?: FetchHttpClientOptions) {
  const client = createFetchHttpClient(options);
  const started = performance.now();
  try {
    const res = await client.request(method, url, { headers: init.headers, body: init.body === undefined ? undefined : new TextEncoder().encode(init.body) });
    return { status: res.status, headers: res.headers, body: new TextDecoder().decode(res.body), ms: performance.now() - started };
  } catch (e) {
    return { ...failure(e), ms: performance.now() - started };
  }
}

async function fetchPackage(location: string, base?: string) {
  try {
    return { data: [...(await createFetchPackageFetcher().fetch(location, base))] };
  } catch (e) {
    return failure(e);
  }
}

Object.assign(globalThis, { ports: { saveState, loadState, spoilState, putComponent, getComponent, putArtifact, getArtifact, corruptArtifact, request, fetchPackage } });
