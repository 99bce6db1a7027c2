// The browser host's one IndexedDB database and the few promise helpers its adapters share.
// No wrapper library: the adapters need open/upgrade, one request, and a transaction's end.
import { WasmhostError } from '../src/errors.js';

/** Object stores of the wasmhost database: workload key-value data, agent state, component bytes, transpiled artifacts. */
export const IDB_STORES = { kv: 'kv', agent: 'agent', components: 'components', artifacts: 'artifacts' } as const;

/**
 * Schema steps: step `i` upgrades version `i` to `i + 1`. Append a step (never edit one) to
 * change the schema; the database version is the number of steps.
 */
const MIGRATIONS: ((db: IDBDatabase) => void)[] = [
  // 1: out-of-line keys everywhere: kv by [ns, bucket, key], the others by a string (digest, state name).
  (db) => {
    for (const name of Object.values(IDB_STORES)) db.createObjectStore(name);
  },
];

/** The schema version `openWasmhostDb` opens. */
export const IDB_VERSION = MIGRATIONS.length;

/**
 * Opens (creating or upgrading) the wasmhost database. When another tab opens a newer
 * version, this connection closes itself so the upgrade can go on; adapters over it then
 * fail their next write with an `io` error instead of blocking that tab.
 */
export function openWasmhostDb(name = 'wasmhost'): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new WasmhostError('unsupported', `IndexedDB is not available here, so database "${name}" cannot be opened (a private window or a sandboxed frame may lack it)`));
  }
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, IDB_VERSION);
    request.onupgradeneeded = (event) => {
      for (let version = event.oldVersion; version < IDB_VERSION; version++) MIGRATIONS[version](request.result);
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(idbError(`cannot open IndexedDB database "${name}"`, request.error));
  });
}

/** Deletes a wasmhost database (tests, and a "forget this device" button). */
export function deleteWasmhostDb(name = 'wasmhost'): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(idbError(`cannot delete IndexedDB database "${name}"`, request.error));
  });
}

/** The result of one request. */
export function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when the transaction commits; rejects with its error when it aborts. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new DOMException('transaction aborted', 'AbortError'));
    tx.onerror = (event) => event.preventDefault(); // the abort that follows reports it once
  });
}

/** Runs `work` in one transaction over `store` and resolves with its result once the transaction committed. */
export async function inTransaction<T>(
  db: IDBDatabase,
  store: string,
  mode: IDBTransactionMode,
  work: (objects: IDBObjectStore) => Promise<T> | T,
  durability: 'default' | 'strict' | 'relaxed' = 'default',
): Promise<T> {
  const tx = db.transaction(store, mode, { durability });
  const done = transactionDone(tx);
  let result: T;
  try {
    result = await work(tx.objectStore(store));
  } catch (error) {
    if (!tx.error) tx.abort();
    await done.catch(() => undefined);
    throw error;
  }
  await done;
  return result;
}

/** An `io` error for a failed IndexedDB operation, naming what was being done and keeping the DOMException as cause. */
export function idbError(what: string, cause: unknown): WasmhostError {
  const detail = cause instanceof DOMException ? `${cause.name}: ${cause.message}` : cause instanceof Error ? cause.message : String(cause);
  const hint = cause instanceof DOMException && cause.name === 'QuotaExceededError' ? '; the origin is out of storage quota, free some or ask for persistent storage' : '';
  return new WasmhostError('io', `${what} (${detail})${hint}`, { cause });
}
