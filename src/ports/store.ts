/**
 * Key-value data for workloads: byte values under string keys, in buckets, in a namespace per
 * workload (`ns`), so two workloads that name the same bucket never share it. Synchronous,
 * because component imports are: an asynchronous backend sits behind a worker bridge.
 *
 * Values handed in are copied; values handed out belong to the caller. Counters (`increment`)
 * are stored as the decimal text of a signed 64-bit integer (`"-12"`), readable with `get`.
 * Methods throw on failure (and once the store is closed); they never return a wrong answer.
 */
export interface Store {
  /** The value of a key, or undefined when it has none. */
  get(ns: string, bucket: string, key: string): Uint8Array | undefined;
  /** Sets a key's value, replacing any previous one. */
  set(ns: string, bucket: string, key: string, value: Uint8Array): void;
  /** Removes a key; removing an absent key does nothing. */
  delete(ns: string, bucket: string, key: string): void;
  /** True when the key has a value. */
  exists(ns: string, bucket: string, key: string): boolean;
  /** One page of a bucket's keys, in a fixed order; pass the returned cursor back for the next page. */
  keys(ns: string, bucket: string, page?: KeyPageRequest): KeyPage;
  /** Atomically adds `delta` to the key's counter (absent counts as 0) and returns the new value; throws when the value is not a counter or the sum leaves the s64 range. */
  increment(ns: string, bucket: string, key: string, delta: bigint): bigint;
  /** Atomically sets the value only if the current one equals `expected` (undefined: the key must be absent); true when it did. */
  compareAndSwap(ns: string, bucket: string, key: string, expected: Uint8Array | undefined, value: Uint8Array): boolean;
  /** Releases the store's resources; further calls throw. Closing twice is harmless. */
  close(): void;
}

/** Which page of keys to list. */
export interface KeyPageRequest {
  /** A cursor from the previous page; omitted for the first page. */
  cursor?: string;
  /** At most this many keys (default: the adapter's, at least 100). */
  limit?: number;
}

/** A page of keys; `cursor` is set only when more keys may follow. */
export interface KeyPage {
  keys: string[];
  cursor?: string;
}
