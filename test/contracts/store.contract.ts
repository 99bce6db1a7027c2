// The contract every Store adapter keeps (memory, SQLite, IndexedDB): run it with a factory
// that gives a fresh, empty store, then add the adapter's own edge cases beside it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** Every key of a bucket, page by page, with the cursors seen. */
export function listAll(store: Store, ns: string, bucket: string, limit?: number): { keys: string[]; pages: number } {
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = store.keys(ns, bucket, { cursor, limit });
    keys.push(...page.keys);
    cursor = page.cursor;
    pages++;
    if (pages > 10_000) throw new Error('keys() never ends');
  } while (cursor !== undefined);
  return { keys, pages };
}

/** Runs the Store contract against the adapter `factory` builds (a fresh, empty store per test). */
export function storeContract(name: string, factory: () => Store | Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(() => store.close());

    it('has nothing for a key never set', () => {
      expect(store.get('w', 'b', 'k')).toBeUndefined();
      expect(store.exists('w', 'b', 'k')).toBe(false);
      expect(store.keys('w', 'b')).toEqual({ keys: [] });
    });

    it('gets what was set, and a second set replaces it', () => {
      store.set('w', 'b', 'k', bytes('one'));
      expect(store.get('w', 'b', 'k')).toBeInstanceOf(Uint8Array);
      expect(text(store.get('w', 'b', 'k'))).toBe('one');
      expect(store.exists('w', 'b', 'k')).toBe(true);
      store.set('w', 'b', 'k', bytes('two'));
      expect(text(store.get('w', 'b', 'k'))).toBe('two');
    });

    it('keeps an empty value apart from no value', () => {
      store.set('w', 'b', 'empty', new Uint8Array(0));
      expect(store.get('w', 'b', 'empty')).toEqual(new Uint8Array(0));
      expect(store.exists('w', 'b', 'empty')).toBe(true);
    });

    it('copies values in and out', () => {
      const value = new Uint8Array([1, 2, 3]);
      store.set('w', 'b', 'k', value);
      value[0] = 99;
      const out = store.get('w', 'b', 'k')!;
      out[1] = 99;
      expect([...store.get('w', 'b', 'k')!]).toEqual([1, 2, 3]);
    });

    it('stores a view of a larger buffer as just its bytes', () => {
      const buffer = new Uint8Array([9, 9, 1, 2, 9]);
      store.set('w', 'b', 'k', buffer.subarray(2, 4));
      expect([...store.get('w', 'b', 'k')!]).toEqual([1, 2]);
    });

    it('deletes a key, and deleting an absent key does nothing', () => {
      store.set('w', 'b', 'k', bytes('x'));
      store.delete('w', 'b', 'k');
      store.delete('w', 'b', 'never');
      store.delete('other', 'nothing', 'k');
      expect(store.get('w', 'b', 'k')).toBeUndefined();
      expect(store.exists('w', 'b', 'k')).toBe(false);
    });

    it('keeps namespaces and buckets apart, even when names contain separators', () => {
      const places: [string, string][] = [['a', 'b/c'], ['a/b', 'c'], ['a', 'b'], ['b', 'a'], ['a\u0000b', 'c'], ['a', '\u0000b\u0000c'], ['"a","b"', 'c'], ['', '']];
      places.forEach(([ns, bucket], i) => store.set(ns, bucket, 'k', bytes(String(i))));
      places.forEach(([ns, bucket], i) => {
        expect(text(store.get(ns, bucket, 'k'))).toBe(String(i));
        expect(store.keys(ns, bucket)).toEqual({ keys: ['k'] });
      });
      store.delete('a', 'b', 'k');
      expect(store.exists('a', 'b/c', 'k')).toBe(true);
      expect(store.increment('b', 'a', 'n', 1n)).toBe(1n);
      expect(store.exists('a', 'b', 'n')).toBe(false);
    });

    it('round-trips keys of any text, the empty one included', () => {
      const keys = ['', ' ', 'ünïcode', '日本', '😀 emoji', 'a\u0000b', 'x'.repeat(1000)];
      for (const k of keys) store.set('w', 'b', k, bytes(k));
      for (const k of keys) expect(text(store.get('w', 'b', k))).toBe(k);
      expect(listAll(store, 'w', 'b', 2).keys.sort()).toEqual([...keys].sort());
    });

    it('lists keys in pages that cover each key once, the last without a cursor', () => {
      const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
      for (const k of [...keys].reverse()) store.set('w', 'b', k, bytes(k));
      store.set('w', 'other', 'not-mine', bytes('x'));
      const first = store.keys('w', 'b', { limit: 3 });
      expect(first.keys).toHaveLength(3);
      expect(first.cursor).toEqual(expect.any(String));
      const { keys: listed, pages } = listAll(store, 'w', 'b', 3);
      expect(pages).toBe(4);
      expect([...listed].sort()).toEqual(keys);
      expect(new Set(listed).size).toBe(10);
      expect(listAll(store, 'w', 'b', 3).keys).toEqual(listed); // a fixed order
      expect(store.keys('w', 'b', { limit: 10 })).toEqual({ keys: listed });
    });

    it('lists at least 100 keys in one page by default', () => {
      for (let i = 0; i < 150; i++) store.set('w', 'b', `k${i}`, bytes(''));
      const page = store.keys('w', 'b');
      expect(page.keys.length).toBeGreaterThanOrEqual(100);
      expect(listAll(store, 'w', 'b').keys).toHaveLength(150);
    });

    it('lists keys that stay throughout exactly once while others come and go between pages', () => {
      const stay = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);
      for (const k of stay) store.set('w', 'b', k, bytes(k));
      const seen: string[] = [];
      let cursor: string | undefined;
      let round = 0;
      do {
        const page = store.keys('w', 'b', { cursor, limit: 4 });
        seen.push(...page.keys);
        cursor = page.cursor;
        // Between pages: add keys before and after the cursor, delete one not seen yet.
        store.set('w', 'b', `a-new-${round}`, bytes('x'));
        store.set('w', 'b', `z-new-${round}`, bytes('x'));
        store.delete('w', 'b', `gone-${round}`);
        round++;
      } while (cursor !== undefined);
      for (const k of stay) expect(seen.filter((s) => s === k), k).toHaveLength(1);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('increments a counter atomically from zero, in either direction, and stores it as decimal text', () => {
      expect(store.increment('w', 'b', 'n', 5n)).toBe(5n);
      expect(store.increment('w', 'b', 'n', 1n)).toBe(6n);
      expect(store.increment('w', 'b', 'n', -10n)).toBe(-4n);
      expect(text(store.get('w', 'b', 'n'))).toBe('-4');
      expect(store.increment('w', 'b', 'zero', 0n)).toBe(0n);
      expect(store.exists('w', 'b', 'zero')).toBe(true);
      store.set('w', 'b', 'set', bytes('41'));
      expect(store.increment('w', 'b', 'set', 1n)).toBe(42n);
    });

    it('refuses to increment a value that is not a counter, or past the s64 range, and leaves it alone', () => {
      store.set('w', 'b', 'word', bytes('forty'));
      expect(() => store.increment('w', 'b', 'word', 1n)).toThrow(/"word" does not hold a counter/);
      expect(text(store.get('w', 'b', 'word'))).toBe('forty');
      store.set('w', 'b', 'bin', new Uint8Array([0xff, 0xfe]));
      expect(() => store.increment('w', 'b', 'bin', 1n)).toThrow(/counter/);
      const max = 2n ** 63n - 1n;
      expect(store.increment('w', 'b', 'big', max)).toBe(max);
      expect(() => store.increment('w', 'b', 'big', 1n)).toThrow(/s64 range/);
      expect(store.increment('w', 'b', 'big', 0n)).toBe(max);
      expect(store.increment('w', 'b', 'small', -max - 1n)).toBe(-(2n ** 63n));
      expect(() => store.increment('w', 'b', 'small', -1n)).toThrow(/s64 range/);
    });

    it('compares and swaps on the current bytes, absence included', () => {
      expect(store.compareAndSwap('w', 'b', 'k', undefined, bytes('first'))).toBe(true);
      expect(store.compareAndSwap('w', 'b', 'k', undefined, bytes('again'))).toBe(false);
      expect(store.compareAndSwap('w', 'b', 'k', bytes('stale'), bytes('nope'))).toBe(false);
      expect(text(store.get('w', 'b', 'k'))).toBe('first');
      expect(store.compareAndSwap('w', 'b', 'k', bytes('first'), bytes('second'))).toBe(true);
      expect(text(store.get('w', 'b', 'k'))).toBe('second');
      expect(store.compareAndSwap('other', 'b', 'k', undefined, bytes('mine'))).toBe(true);
      expect(text(store.get('w', 'b', 'k'))).toBe('second');
    });

    it('throws once closed, and closing twice is harmless', () => {
      store.set('w', 'b', 'k', bytes('x'));
      store.close();
      store.close();
      expect(() => store.get('w', 'b', 'k')).toThrow(/closed/);
      expect(() => store.set('w', 'b', 'k', bytes('y'))).toThrow(/closed/);
      expect(() => store.keys('w', 'b')).toThrow(/closed/);
      expect(() => store.increment('w', 'b', 'n', 1n)).toThrow(/closed/);
    });
  });
}
