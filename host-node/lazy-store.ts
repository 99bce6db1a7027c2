// A Store that opens its backend on first use: the agent gets a key-value store whether or not
// a workload ever opens a bucket, and SQLite (better-sqlite3, its native library and the
// database file) is loaded only when one does.
import { WasmhostError } from '../src/errors.js';
import type { Store } from '../src/ports/store.js';

/** A Store calling `open()` at its first use (an error opening it is thrown to that caller, and to the next, which tries again). */
export function createLazyStore(open: () => Store, name: string): Store {
  let store: Store | undefined;
  let closed = false;
  const backend = (): Store => {
    if (closed) throw new WasmhostError('io', `the key-value store ${name} is closed; create a new one to use it again`);
    return (store ??= open());
  };
  return {
    get: (ns, bucket, key) => backend().get(ns, bucket, key),
    set: (ns, bucket, key, value) => backend().set(ns, bucket, key, value),
    delete: (ns, bucket, key) => backend().delete(ns, bucket, key),
    exists: (ns, bucket, key) => backend().exists(ns, bucket, key),
    keys: (ns, bucket, page) => backend().keys(ns, bucket, page),
    increment: (ns, bucket, key, delta) => backend().increment(ns, bucket, key, delta),
    compareAndSwap: (ns, bucket, key, expected, value) => backend().compareAndSwap(ns, bucket, key, expected, value),
    close() {
      closed = true;
      store?.close();
    },
  };
}
