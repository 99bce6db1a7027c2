import { vendoredOffers } from './vendored-offers.js';
import type { Store } from '../ports/store.js';
import { allowedName } from './grants.js';
import { interfaceError } from './interface-error.js';
import type { CapabilityProvider, ProviderContext } from './provider.js';


/** Options of the key-value provider. */
export interface KeyValueProviderOptions {
  /** Keys per `list-keys` page (default 100: a page stays small on a small device). */
  keysPerPage?: number;
}

/** `wasi:keyvalue/store`'s `error` variant, as jco represents it. */
export type KeyValueError = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string };

/**
 * `wasi:keyvalue/store`, `atomics` and `batch` backed by a Store, at `0.2.0-draft2` and at
 * `0.2.0-draft` (wasmCloud's; its `list-keys` cursor is a u64, here the number of keys already
 * listed, and its `atomics` has only `increment`). Each workload's data lives in
 * a namespace named after the workload, so two workloads that open the same bucket name never
 * see each other's keys. `open` of a bucket outside `grants.keyvalue.buckets` returns
 * `access-denied`; a failing store returns `other(message)`. Neither traps.
 */
export function createKeyValueProvider(store: Store, options: KeyValueProviderOptions = {}): CapabilityProvider {
  const limit = options.keysPerPage ?? 100;
  return {
    name: 'keyvalue',
    offers: vendoredOffers('wasi:keyvalue', ['store', 'atomics', 'batch'], 'keyvalue'),
    create: (ctx) => keyValueImports(store, ctx, limit),
  };
}

/** The three interfaces for one workload instance; its resource classes are its own. */
function keyValueImports(store: Store, ctx: ProviderContext, limit: number): Record<string, unknown> {
  const ns = ctx.workload;
  const numericCursor = ctx.importVersions?.['wasi:keyvalue/store'] === '0.2.0-draft';
  /** A page of keys for a u64 cursor: the keys after the first `skip`, and the next cursor if more remain. */
  const keysFrom = (skip: bigint) => (bucket: string): { keys: string[]; cursor?: bigint } => {
    const keys: string[] = [];
    let seen = 0n;
    let page: { keys: string[]; cursor?: string } = { keys: [] };
    do {
      page = store.keys(ns, bucket, { cursor: page.cursor, limit });
      for (const key of page.keys) {
        if (seen++ < skip) continue;
        if (keys.length === limit) return { keys, cursor: skip + BigInt(limit) };
        keys.push(key);
      }
    } while (page.cursor !== undefined);
    return { keys };
  };

  // jco's convention for an imported resource: the interface's import object carries the class
  // (`Bucket`, `Cas`); the host returns instances of it, the glue checks `instanceof`, hands the
  // same objects back as `borrow`/`own` arguments, and calls methods and statics on them.
  class Bucket {
    constructor(readonly name: string) {}
    get(key: string): Uint8Array | undefined {
      return attempt(() => store.get(ns, this.name, key));
    }
    set(key: string, value: Uint8Array): void {
      attempt(() => store.set(ns, this.name, key, value));
    }
    delete(key: string): void {
      attempt(() => store.delete(ns, this.name, key));
    }
    exists(key: string): boolean {
      return attempt(() => store.exists(ns, this.name, key));
    }
    listKeys(cursor: string | bigint | undefined): { keys: string[]; cursor?: string | bigint } {
      if (numericCursor) return attempt(() => keysFrom(BigInt(cursor ?? 0n))(this.name));
      return attempt(() => store.keys(ns, this.name, { cursor: cursor as string | undefined, limit }));
    }
  }

  /** A compare-and-swap in progress: the value the key had when it began. */
  class Cas {
    private constructor(readonly bucket: Bucket, readonly key: string, readonly seen: Uint8Array | undefined) {}
    static new(bucket: Bucket, key: string): Cas {
      return new Cas(bucket, key, attempt(() => store.get(ns, bucket.name, key)));
    }
    current(): Uint8Array | undefined {
      return this.seen && new Uint8Array(this.seen);
    }
    /** Sets `value` if the key still holds what it held when this began; else a fresh Cas to retry with. */
    trySwap(value: Uint8Array): Cas | undefined {
      return store.compareAndSwap(ns, this.bucket.name, this.key, this.seen, value) ? undefined : Cas.new(this.bucket, this.key);
    }
  }

  return {
    'wasi:keyvalue/store': {
      Bucket,
      open(identifier: string): Bucket {
        if (!allowedName(ctx.grants.keyvalue?.buckets, identifier)) throw interfaceError({ tag: 'access-denied' } satisfies KeyValueError);
        return new Bucket(identifier);
      },
    },
    'wasi:keyvalue/atomics': {
      Cas,
      increment: (bucket: Bucket, key: string, delta: bigint): bigint => attempt(() => store.increment(ns, bucket.name, key, delta)),
      swap(cas: Cas, value: Uint8Array): void {
        let retry: Cas | undefined;
        try {
          retry = cas.trySwap(value);
        } catch (error) {
          throw interfaceError({ tag: 'store-error', val: storeError(error) });
        }
        if (retry) throw interfaceError({ tag: 'cas-failed', val: retry });
      },
    },
    'wasi:keyvalue/batch': {
      getMany: (bucket: Bucket, keys: string[]): ([string, Uint8Array] | undefined)[] =>
        attempt(() => keys.map((key) => {
          const value = store.get(ns, bucket.name, key);
          return value === undefined ? undefined : [key, value];
        })),
      setMany(bucket: Bucket, entries: [string, Uint8Array][]): void {
        attempt(() => entries.forEach(([key, value]) => store.set(ns, bucket.name, key, value)));
      },
      deleteMany(bucket: Bucket, keys: string[]): void {
        attempt(() => keys.forEach((key) => store.delete(ns, bucket.name, key)));
      },
    },
  };
}

/** Runs a store operation; a failure becomes the interface's `other` error, not a trap. */
function attempt<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw interfaceError(storeError(error));
  }
}

function storeError(error: unknown): KeyValueError {
  return { tag: 'other', val: error instanceof Error ? error.message : String(error) };
}
