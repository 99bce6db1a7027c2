import { WasmhostError } from '../src/errors.js';
import { createMemoryStore } from '../src/memory/memory-store.js';
import type { Store } from '../src/ports/store.js';
import { IDB_STORES, idbError, requestResult, transactionDone } from './idb.js';

/** Options of the IndexedDB store. */
export interface IdbStoreOptions {
  /**
   * Told once when a write-behind transaction fails (quota, a closed connection, a browser
   * error); default `console.error`. The store then refuses further writes and `flush()` rejects.
   */
  onError?: (error: WasmhostError) => void;
  /**
   * IndexedDB durability of the write-behind transactions (default `strict`: committed means
   * on disk). `relaxed` is faster, and a committed batch may be lost on an OS crash or power cut.
   */
  durability?: 'strict' | 'relaxed';
}

/** A Store over IndexedDB that answers synchronously from memory; `flush()` waits until every write so far is durable. */
export interface IdbStore extends Store {
  /** Resolves once every write made before the call is committed; rejects when a write-behind failed. */
  flush(): Promise<void>;
}

/**
 * Opens the key-value store kept in `db`'s `kv` object store (keys `[ns, bucket, key]`).
 *
 * The Store port is synchronous and IndexedDB is not, so the whole store is loaded into memory
 * here, every call is answered from memory (the in-memory store's semantics: counters, CAS,
 * paging), and writes go behind to IndexedDB: all writes of one microtask turn become one
 * readwrite transaction, transactions commit in the order they were made, and a key written
 * several times in a turn is written once with its last value.
 *
 * Durability window: a write is in memory only until its batch commits, normally a few
 * milliseconds after the call. Closing the tab, a crash or a reload inside that window loses
 * it (and every later write; never an earlier one). `flush()` closes the window: await it
 * where losing the write would matter. A failed batch is reported through `onError`, makes
 * every later `flush()` reject, and makes every later write throw (memory would otherwise
 * drift from what is on disk without anyone noticing); reads keep working.
 *
 * One IdbStore per database at a time: two tabs writing the same database through two stores
 * would each answer from their own memory. `close()` sends the pending batch and releases the
 * memory; `flush()` still works after it. The caller owns `db` and closes it.
 */
export async function openIdbStore(db: IDBDatabase, options: IdbStoreOptions = {}): Promise<IdbStore> {
  const memory = createMemoryStore();
  await load(db, memory);

  const durability = options.durability ?? 'strict';
  const report = options.onError ?? ((error: WasmhostError) => console.error(error));
  /** Keys written since the last batch, by `JSON.stringify([ns, bucket, key])`; each is written with its value at batch time. */
  let pending = new Map<string, [string, string, string]>();
  let scheduled = false;
  let committed: Promise<void> = Promise.resolve();
  let failure: WasmhostError | undefined;
  let closed = false;

  function fail(cause: unknown): void {
    if (failure) return;
    failure = cause instanceof WasmhostError ? cause : idbError(`writing key-value data to IndexedDB database "${db.name}" failed; writes since the last successful flush may be lost`, cause);
    report(failure);
  }

  function writable(): void {
    if (failure && !closed) throw new WasmhostError('io', `the key-value store no longer accepts writes: an earlier write to IndexedDB failed (${failure.message})`, { cause: failure });
  }

  function written(ns: string, bucket: string, key: string): void {
    const id = JSON.stringify([ns, bucket, key]);
    pending.delete(id);
    pending.set(id, [ns, bucket, key]);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(commit);
    }
  }

  /** Sends the pending writes as one transaction (readwrite transactions on one store commit in creation order). */
  function commit(): void {
    scheduled = false;
    if (pending.size === 0 || failure) return;
    const batch = [...pending.values()].map((k) => [k, memory.get(...k)] as const);
    pending = new Map();
    let done: Promise<void>;
    try {
      const tx = db.transaction(IDB_STORES.kv, 'readwrite', { durability });
      const objects = tx.objectStore(IDB_STORES.kv);
      done = transactionDone(tx);
      for (const [key, value] of batch) {
        if (value === undefined) objects.delete(key);
        else objects.put(value, key);
      }
    } catch (error) {
      done = Promise.reject(error);
    }
    committed = Promise.all([committed, done.catch(fail)]).then(() => undefined);
  }

  return {
    get: (ns, bucket, key) => memory.get(ns, bucket, key),
    exists: (ns, bucket, key) => memory.exists(ns, bucket, key),
    keys: (ns, bucket, page) => memory.keys(ns, bucket, page),
    set(ns, bucket, key, value) {
      writable();
      memory.set(ns, bucket, key, value);
      written(ns, bucket, key);
    },
    delete(ns, bucket, key) {
      writable();
      if (!memory.exists(ns, bucket, key)) return;
      memory.delete(ns, bucket, key);
      written(ns, bucket, key);
    },
    increment(ns, bucket, key, delta) {
      writable();
      const value = memory.increment(ns, bucket, key, delta);
      written(ns, bucket, key);
      return value;
    },
    compareAndSwap(ns, bucket, key, expected, value) {
      writable();
      const swapped = memory.compareAndSwap(ns, bucket, key, expected, value);
      if (swapped) written(ns, bucket, key);
      return swapped;
    },
    close() {
      if (closed) return;
      commit(); // reads the pending values from memory before it is released
      closed = true;
      memory.close();
    },
    async flush() {
      commit();
      await committed;
      if (failure) throw failure;
    },
  };
}

/** Copies every stored entry into `memory` (one readonly transaction: a consistent snapshot). */
async function load(db: IDBDatabase, memory: Store): Promise<void> {
  let keys: IDBValidKey[];
  let values: unknown[];
  try {
    const tx = db.transaction(IDB_STORES.kv, 'readonly');
    const objects = tx.objectStore(IDB_STORES.kv);
    [keys, values] = await Promise.all([requestResult(objects.getAllKeys()), requestResult(objects.getAll())]);
  } catch (error) {
    throw idbError(`cannot load the key-value store from IndexedDB database "${db.name}"`, error);
  }
  keys.forEach((key, i) => {
    const value = values[i];
    if (!Array.isArray(key) || key.length !== 3 || !(value instanceof Uint8Array)) {
      throw new WasmhostError('io', `IndexedDB database "${db.name}" holds a key-value entry of an unknown shape (${JSON.stringify(key)}); it was not written by this store`);
    }
    memory.set(key[0] as string, key[1] as string, key[2] as string, value);
  });
}
