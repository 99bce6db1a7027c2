/// <reference lib="dom" />
// Page half of test/host-browser/storage.test.ts for the key-value store: runs the shared Store
// contract against openIdbStore (checking after every case that IndexedDB holds exactly what the
// store answered), and offers persistence, failure and timing helpers to the test.
import { deleteWasmhostDb, IDB_STORES, openWasmhostDb, requestResult } from '../../../host-browser/idb.js';
import { openIdbStore, type IdbStore } from '../../../host-browser/idb-store.js';
import { createMemoryStore } from '../../../src/memory/memory-store.js';
import type { Store } from '../../../src/ports/store.js';
import { storeContract } from '../../contracts/store.contract.js';
import { runRegistered } from './storage-vitest.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));
const hex = (value: Uint8Array) => Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');

/** Every entry in a database's kv object store, as sorted `[ns, bucket, key] = hex` lines. */
async function onDisk(db: IDBDatabase): Promise<string[]> {
  const objects = db.transaction(IDB_STORES.kv, 'readonly').objectStore(IDB_STORES.kv);
  const [keys, values] = await Promise.all([requestResult(objects.getAllKeys()), requestResult(objects.getAll())]);
  return keys.map((k, i) => `${JSON.stringify(k)} = ${hex(values[i] as Uint8Array)}`).sort();
}

/** A store that does every call on the IdbStore and on a plain memory store, to compare with what reached disk. */
function mirrored(inner: IdbStore): { store: Store; expected(): string[] } {
  const mirror = createMemoryStore();
  const places = new Set<string>();
  let snapshot: string[] | undefined;
  const dump = () => {
    const lines: string[] = [];
    for (const place of places) {
      const [ns, bucket] = JSON.parse(place) as [string, string];
      for (const key of mirror.keys(ns, bucket, { limit: 100_000 }).keys) lines.push(`${JSON.stringify([ns, bucket, key])} = ${hex(mirror.get(ns, bucket, key)!)}`);
    }
    return lines.sort();
  };
  const both = <K extends keyof Store>(name: K) =>
    ((...args: unknown[]) => {
      const result = (inner[name] as (...a: unknown[]) => unknown)(...args);
      if (name !== 'get' && name !== 'exists' && name !== 'keys') places.add(JSON.stringify(args.slice(0, 2)));
      (mirror[name] as (...a: unknown[]) => unknown)(...args);
      return result;
    }) as Store[K];
  return {
    store: {
      get: both('get'), exists: both('exists'), keys: both('keys'), set: both('set'), delete: both('delete'),
      increment: both('increment'), compareAndSwap: both('compareAndSwap'),
      close() {
        snapshot ??= dump();
        inner.close();
        mirror.close();
      },
    },
    expected: () => snapshot ?? dump(),
  };
}

let contractRun = 0;
let current: { db: IDBDatabase; store: IdbStore; expected(): string[]; errors: unknown[] } | undefined;

storeContract('IndexedDB write-behind', async () => {
  const db = await openWasmhostDb(`contract-${++contractRun}`);
  const errors: unknown[] = [];
  const store = await openIdbStore(db, { onError: (e) => errors.push(e) });
  const { store: proxy, expected } = mirrored(store);
  current = { db, store, expected, errors };
  return proxy;
});

/** Runs the Store contract; after each case, flushes and compares IndexedDB's content with what the store answered. */
async function runContract() {
  return runRegistered(async () => {
    if (!current) throw new Error('the factory was not called');
    const { db, store, expected, errors } = current;
    current = undefined;
    await store.flush();
    const disk = await onDisk(db);
    const want = expected();
    db.close();
    await deleteWasmhostDb(db.name);
    if (errors.length) throw new Error(`onError was called: ${String(errors[0])}`);
    if (JSON.stringify(disk) !== JSON.stringify(want)) {
      throw new Error(`IndexedDB differs from the store's answers:\n  disk: ${disk.join('; ')}\n  store: ${want.join('; ')}`);
    }
  });
}

/** Writes a sample over several turns (some not awaited), flushes, closes. */
async function writeSample(name: string) {
  const db = await openWasmhostDb(name);
  const store = await openIdbStore(db);
  store.set('app-1', 'cfg', 'mode', bytes('eco'));
  store.set('app-2', 'cfg', 'mode', bytes('turbo'));
  store.set('app-1', 'cfg', 'gone', bytes('x'));
  store.increment('app-1', 'stats', 'n', 5n);
  await Promise.resolve();
  store.delete('app-1', 'cfg', 'gone');
  store.increment('app-1', 'stats', 'n', 2n);
  await new Promise((r) => setTimeout(r, 0));
  store.compareAndSwap('app-1', 'cfg', 'lock', undefined, bytes('held'));
  store.compareAndSwap('app-1', 'cfg', 'mode', bytes('wrong'), bytes('never'));
  for (let i = 0; i < 250; i++) store.set('app-2', 'many', `k${String(i).padStart(3, '0')}`, bytes(String(i)));
  store.set('app-1', 'bin', 'raw', new Uint8Array([0, 255, 9]).subarray(1));
  await store.flush();
  store.close();
  db.close();
}

/** Reads the sample back (after a reload: from IndexedDB). */
async function readSample(name: string) {
  const db = await openWasmhostDb(name);
  const store = await openIdbStore(db);
  const many: string[] = [];
  let cursor: string | undefined;
  do {
    const page = store.keys('app-2', 'many', { cursor, limit: 100 });
    many.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  const result = {
    mode1: text(store.get('app-1', 'cfg', 'mode')),
    mode2: text(store.get('app-2', 'cfg', 'mode')),
    gone: store.exists('app-1', 'cfg', 'gone'),
    lock: text(store.get('app-1', 'cfg', 'lock')),
    n: text(store.get('app-1', 'stats', 'n')),
    next: String(store.increment('app-1', 'stats', 'n', 1n)),
    casStale: store.compareAndSwap('app-1', 'cfg', 'lock', bytes('free'), bytes('x')),
    casHeld: store.compareAndSwap('app-1', 'cfg', 'lock', bytes('held'), bytes('taken')),
    otherNs: store.keys('app-3', 'cfg').keys,
    cfg1: store.keys('app-1', 'cfg').keys,
    manyCount: many.length,
    manyFirst: many[0],
    manyLast: many[many.length - 1],
    raw: [...(store.get('app-1', 'bin', 'raw') ?? [])],
  };
  await store.flush();
  store.close();
  db.close();
  return result;
}

/** A write-behind that fails (the connection closed under the store): reported, flush rejects, writes refused. */
async function failingWrite() {
  const db = await openWasmhostDb('failing');
  const reported: string[] = [];
  const store = await openIdbStore(db, { onError: (e) => reported.push(`${e.code}: ${e.message}`) });
  store.set('w', 'b', 'before', bytes('1'));
  await store.flush();
  db.close();
  store.set('w', 'b', 'after', bytes('2'));
  const flushError = await store.flush().then(() => undefined, (e: { code?: string; message: string }) => `${e.code}: ${e.message}`);
  let writeError: string | undefined;
  try {
    store.set('w', 'b', 'later', bytes('3'));
  } catch (e) {
    writeError = `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  const stillReads = text(store.get('w', 'b', 'after'));
  const again = await store.flush().then(() => 'resolved', () => 'rejected');
  return { reported, flushError, writeError, stillReads, again };
}

/** Times `n` sets (answered from memory), the flush that makes them durable, and reopening (loading) them; a memory store is the baseline. */
async function timing(n: number, durability: 'strict' | 'relaxed') {
  const name = `timing-${durability}-${n}`;
  await deleteWasmhostDb(name);
  const value = new Uint8Array(64).fill(7);
  const memory = createMemoryStore();
  let t = performance.now();
  for (let i = 0; i < n; i++) memory.set('w', 'b', `key-${i}`, value);
  const memorySetMs = performance.now() - t;
  const db = await openWasmhostDb(name);
  const store = await openIdbStore(db, { durability });
  t = performance.now();
  for (let i = 0; i < n; i++) store.set('w', 'b', `key-${i}`, value);
  const setMs = performance.now() - t;
  t = performance.now();
  await store.flush();
  const flushMs = performance.now() - t;
  // One awaited write at a time: a transaction per write, the worst case.
  t = performance.now();
  for (let i = 0; i < 100; i++) {
    store.set('w', 'one', `k${i}`, value);
    await store.flush();
  }
  const flushEachMs = (performance.now() - t) / 100;
  store.close();
  t = performance.now();
  const reopened = await openIdbStore(db);
  const loadMs = performance.now() - t;
  const loaded = reopened.keys('w', 'b', { limit: n + 1 }).keys.length;
  reopened.close();
  // Baselines: the same puts as one raw IndexedDB transaction, and a raw getAllKeys + getAll of the 10k.
  t = performance.now();
  const tx = db.transaction(IDB_STORES.kv, 'readwrite', { durability });
  for (let i = 0; i < n; i++) tx.objectStore(IDB_STORES.kv).put(value, ['raw', 'b', `key-${i}`]);
  await new Promise((r) => (tx.oncomplete = r));
  const rawPutMs = performance.now() - t;
  t = performance.now();
  const objects = db.transaction(IDB_STORES.kv, 'readonly').objectStore(IDB_STORES.kv);
  const range = IDBKeyRange.bound(['w', 'b', ''], ['w', 'b', '\uffff']);
  await Promise.all([requestResult(objects.getAllKeys(range)), requestResult(objects.getAll(range))]);
  const rawLoadMs = performance.now() - t;
  db.close();
  return { n, durability, memorySetMs, setMs, flushMs, rawPutMs, flushEachMs, loadMs, rawLoadMs, loaded };
}

Object.assign(globalThis, { storage: { runContract, writeSample, readSample, failingWrite, timing } });
