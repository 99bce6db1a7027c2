import { describe, expect, it } from 'vitest';
import { createKeyValueProvider } from '../../../src/capabilities/keyvalue-provider.js';
import type { Grants } from '../../../src/capabilities/grants.js';
import { createMemoryStore } from '../../../src/memory/memory-store.js';
import type { Store } from '../../../src/ports/store.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

// The import object's shape as jco's glue uses it (see the provider's comment on resources).
interface Bucket {
  get(key: string): Uint8Array | undefined;
  set(key: string, value: Uint8Array): void;
  delete(key: string): void;
  exists(key: string): boolean;
  listKeys(cursor: string | undefined): { keys: string[]; cursor?: string };
}
interface Cas { current(): Uint8Array | undefined }
interface KeyValueImports {
  store: { Bucket: new (...a: never[]) => Bucket; open(name: string): Bucket };
  atomics: { Cas: { new: (b: Bucket, key: string) => Cas }; increment(b: Bucket, key: string, delta: bigint): bigint; swap(cas: Cas, value: Uint8Array): void };
  batch: {
    getMany(b: Bucket, keys: string[]): ([string, Uint8Array] | undefined)[];
    setMany(b: Bucket, entries: [string, Uint8Array][]): void;
    deleteMany(b: Bucket, keys: string[]): void;
  };
}

function instance(store: Store, workload: string, grants: Grants = { keyvalue: { buckets: ['b', 'counts'] } }, keysPerPage?: number): KeyValueImports {
  const imports = createKeyValueProvider(store, { keysPerPage }).create({ workload, config: {}, grants, log: () => {} });
  return { store: imports['wasi:keyvalue/store'], atomics: imports['wasi:keyvalue/atomics'], batch: imports['wasi:keyvalue/batch'] } as KeyValueImports;
}

/** What an import threw: jco treats `{ payload }` (not an Error) as the result's `err`. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).not.toBeInstanceOf(Error);
    return (error as { payload: unknown }).payload;
  }
  throw new Error('expected the import to return an error');
}

describe('wasi:keyvalue provider', () => {
  it('offers store, atomics and batch at 0.2.0-draft2 and wasmCloud\'s 0.2.0-draft (both vendored in wit/deps/) behind the keyvalue grant', () => {
    const offers = createKeyValueProvider(createMemoryStore()).offers;
    for (const version of ['0.2.0-draft2', '0.2.0-draft']) {
      for (const i of ['store', 'atomics', 'batch']) expect(offers).toContainEqual({ name: `wasi:keyvalue/${i}`, version, grant: 'keyvalue' });
    }
    expect(offers).toHaveLength(6);
  });

  it('pages list-keys with a u64 cursor for a 0.2.0-draft import', () => {
    const store = createMemoryStore();
    const imports = createKeyValueProvider(store, { keysPerPage: 2 }).create({
      workload: 'w', config: {}, grants: { keyvalue: { buckets: ['b'] } }, log: () => {}, importVersions: { 'wasi:keyvalue/store': '0.2.0-draft' },
    }) as { 'wasi:keyvalue/store': { open(name: string): { set(k: string, v: Uint8Array): void; listKeys(cursor?: bigint): { keys: string[]; cursor?: bigint } } } };
    const bucket = imports['wasi:keyvalue/store'].open('b');
    for (const key of ['a', 'b', 'c', 'd', 'e']) bucket.set(key, bytes(key));
    const pages: string[][] = [];
    let cursor: bigint | undefined;
    do {
      const page = bucket.listKeys(cursor);
      pages.push(page.keys);
      cursor = page.cursor;
      if (cursor !== undefined) expect(typeof cursor).toBe('bigint');
    } while (cursor !== undefined);
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('opens only granted buckets; others are access-denied, not a trap', () => {
    const store = createMemoryStore();
    const kv = instance(store, 'w');
    expect(kv.store.open('b')).toBeInstanceOf(kv.store.Bucket);
    expect(thrown(() => kv.store.open('secret'))).toEqual({ tag: 'access-denied' });
    expect(thrown(() => instance(store, 'w', {}).store.open('b'))).toEqual({ tag: 'access-denied' });
    expect(instance(store, 'w', { keyvalue: { buckets: ['*'] } }).store.open('anything')).toBeDefined();
  });

  it('keeps each workload in its own namespace of the store', () => {
    const store = createMemoryStore();
    const a = instance(store, 'a').store.open('b');
    const b = instance(store, 'b').store.open('b');
    a.set('k', bytes('from a'));
    expect(b.get('k')).toBeUndefined();
    expect(b.exists('k')).toBe(false);
    expect(text(store.get('a', 'b', 'k'))).toBe('from a');
    b.set('k', bytes('from b'));
    expect(text(a.get('k'))).toBe('from a');
    a.delete('k');
    expect(text(b.get('k'))).toBe('from b');
  });

  it('gives each instance its own resource classes', () => {
    const store = createMemoryStore();
    const one = instance(store, 'w');
    const two = instance(store, 'w');
    expect(one.store.Bucket).not.toBe(two.store.Bucket);
    expect(one.store.open('b')).not.toBeInstanceOf(two.store.Bucket);
  });

  it('lists keys in pages of keysPerPage with a cursor', () => {
    const store = createMemoryStore();
    const bucket = instance(store, 'w', undefined, 2).store.open('b');
    for (const k of ['a', 'b', 'c', 'd', 'e']) bucket.set(k, bytes(k));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = bucket.listKeys(cursor);
      expect(page.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.keys);
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('increments with bigints and reports a non-counter as other(message)', () => {
    const kv = instance(createMemoryStore(), 'w');
    const bucket = kv.store.open('counts');
    expect(kv.atomics.increment(bucket, 'n', 2n)).toBe(2n);
    expect(kv.atomics.increment(bucket, 'n', -5n)).toBe(-3n);
    bucket.set('word', bytes('hello'));
    expect(thrown(() => kv.atomics.increment(bucket, 'word', 1n))).toEqual({ tag: 'other', val: expect.stringContaining('"word" does not hold a counter') });
  });

  it('compares and swaps; a changed value fails with a fresh Cas holding the new value', () => {
    const store = createMemoryStore();
    const kv = instance(store, 'w');
    const bucket = kv.store.open('b');
    const first = kv.atomics.Cas.new(bucket, 'k');
    expect(first.current()).toBeUndefined();
    kv.atomics.swap(first, bytes('one'));
    expect(text(bucket.get('k'))).toBe('one');

    const stale = kv.atomics.Cas.new(bucket, 'k');
    expect(text(stale.current())).toBe('one');
    bucket.set('k', bytes('changed meanwhile'));
    const failure = thrown(() => kv.atomics.swap(stale, bytes('two'))) as { tag: string; val: Cas };
    expect(failure.tag).toBe('cas-failed');
    expect(failure.val).toBeInstanceOf(kv.atomics.Cas as unknown as new () => Cas);
    expect(text(failure.val.current())).toBe('changed meanwhile');
    kv.atomics.swap(failure.val, bytes('two'));
    expect(text(bucket.get('k'))).toBe('two');
  });

  it('batch gets, sets and deletes many keys', () => {
    const kv = instance(createMemoryStore(), 'w');
    const bucket = kv.store.open('b');
    kv.batch.setMany(bucket, [['x', bytes('1')], ['y', bytes('2')]]);
    expect(kv.batch.getMany(bucket, ['x', 'nope', 'y']).map((e) => e && [e[0], text(e[1])])).toEqual([['x', '1'], undefined, ['y', '2']]);
    kv.batch.deleteMany(bucket, ['x', 'nope']);
    expect(bucket.exists('x')).toBe(false);
    expect(bucket.exists('y')).toBe(true);
  });

  it('turns a failing store into other(message), and store-error for swap', () => {
    const store = createMemoryStore();
    const kv = instance(store, 'w');
    const bucket = kv.store.open('b');
    const cas = kv.atomics.Cas.new(bucket, 'k');
    store.close();
    expect(thrown(() => bucket.get('k'))).toEqual({ tag: 'other', val: expect.stringContaining('closed') });
    expect(thrown(() => bucket.listKeys(undefined))).toEqual({ tag: 'other', val: expect.stringContaining('closed') });
    expect(thrown(() => kv.batch.setMany(bucket, [['k', bytes('v')]]))).toMatchObject({ tag: 'other' });
    expect(thrown(() => kv.atomics.swap(cas, bytes('v')))).toEqual({ tag: 'store-error', val: { tag: 'other', val: expect.stringContaining('closed') } });
  });
});
