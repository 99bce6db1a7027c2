import { WasmhostError } from '../errors.js';
import type { KeyPage, KeyPageRequest, Store } from '../ports/store.js';

/** Keys per page when the caller gives no limit. */
export const DEFAULT_KEY_PAGE = 1000;

const S64_MIN = -(2n ** 63n);
const S64_MAX = 2n ** 63n - 1n;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A store held in memory: for tests, and for hosts with nowhere to persist. Keys are listed
 * in UTF-16 code unit order; the cursor is the last key of the previous page.
 */
export function createMemoryStore(): Store {
  const buckets = new Map<string, Map<string, Uint8Array>>();
  let closed = false;

  function bucketOf(ns: string, bucket: string, create: boolean): Map<string, Uint8Array> | undefined {
    if (closed) throw new WasmhostError('io', 'the in-memory key-value store is closed; create a new one');
    const id = JSON.stringify([ns, bucket]);
    let entries = buckets.get(id);
    if (!entries && create) buckets.set(id, (entries = new Map()));
    return entries;
  }

  return {
    get(ns, bucket, key) {
      const value = bucketOf(ns, bucket, false)?.get(key);
      return value && copy(value);
    },
    set(ns, bucket, key, value) {
      bucketOf(ns, bucket, true)!.set(key, copy(value));
    },
    delete(ns, bucket, key) {
      bucketOf(ns, bucket, false)?.delete(key);
    },
    exists: (ns, bucket, key) => bucketOf(ns, bucket, false)?.has(key) ?? false,
    keys(ns, bucket, page: KeyPageRequest = {}): KeyPage {
      const limit = pageLimit(page.limit);
      const after = page.cursor;
      const all = [...(bucketOf(ns, bucket, false)?.keys() ?? [])].filter((k) => after === undefined || k > after).sort();
      const keys = all.slice(0, limit);
      return all.length > limit ? { keys, cursor: keys[keys.length - 1] } : { keys };
    },
    increment(ns, bucket, key, delta) {
      const entries = bucketOf(ns, bucket, true)!;
      const next = addToCounter(entries.get(key), delta, key);
      entries.set(key, encodeCounter(next));
      return next;
    },
    compareAndSwap(ns, bucket, key, expected, value) {
      const entries = bucketOf(ns, bucket, true)!;
      if (!sameBytes(entries.get(key), expected)) return false;
      entries.set(key, copy(value));
      return true;
    },
    close() {
      closed = true;
      buckets.clear();
    },
  };
}

/** The page size to use for a requested limit (at least 1). */
export function pageLimit(limit: number | undefined): number {
  return limit === undefined ? DEFAULT_KEY_PAGE : Math.max(1, Math.floor(limit));
}

/** The counter after adding `delta` to a stored value (absent: 0); throws for a non-counter or an s64 overflow. */
export function addToCounter(current: Uint8Array | undefined, delta: bigint, key: string): bigint {
  let value = 0n;
  if (current !== undefined) {
    let text: string | undefined;
    try {
      text = decoder.decode(current);
    } catch {
      text = undefined;
    }
    if (text === undefined || !/^-?[0-9]{1,19}$/.test(text)) {
      throw new WasmhostError('bad-input', `key "${key}" does not hold a counter (the decimal text of an integer), so it cannot be incremented; delete or set it first`);
    }
    value = BigInt(text);
  }
  const next = value + delta;
  if (next < S64_MIN || next > S64_MAX) {
    throw new WasmhostError('bad-input', `incrementing key "${key}" by ${delta} would leave the s64 range (it holds ${value})`);
  }
  return next;
}

/** A counter's stored form: its decimal text. */
export function encodeCounter(value: bigint): Uint8Array {
  return encoder.encode(value.toString());
}

/** True when both are absent, or both hold the same bytes. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function copy(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}
