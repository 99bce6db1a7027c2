import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../host-node/sqlite-store.js';
import type { Store } from '../../src/ports/store.js';
import { listAll, storeContract } from '../contracts/store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmhost-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

/** A plain better-sqlite3 connection, to look at the file from outside the adapter. */
function rawDatabase(path: string) {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  return new Database(path) as { pragma(s: string, o?: object): unknown; prepare(s: string): { get(): unknown; run(...a: unknown[]): unknown }; close(): void };
}

storeContract('sqlite', () => createSqliteStore({ path: freshPath() }));
storeContract('sqlite :memory:', () => createSqliteStore({ path: ':memory:' }));

describe('SQLite store', () => {
  it('keeps data after close and reopen, namespaces still apart', () => {
    const path = freshPath();
    const first = createSqliteStore({ path });
    first.set('alice', 'b', 'k', bytes('from alice'));
    first.set('bob', 'b', 'k', bytes('from bob'));
    first.increment('alice', 'counts', 'n', 41n);
    first.close();

    const second = createSqliteStore({ path });
    try {
      expect(text(second.get('alice', 'b', 'k'))).toBe('from alice');
      expect(text(second.get('bob', 'b', 'k'))).toBe('from bob');
      expect(second.increment('alice', 'counts', 'n', 1n)).toBe(42n);
      expect(second.exists('bob', 'counts', 'n')).toBe(false);
    } finally {
      second.close();
    }
  });

  it('uses WAL and records its schema version', () => {
    const path = freshPath();
    createSqliteStore({ path }).close();
    const raw = rawDatabase(path);
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version FROM schema_version').get()).toEqual({ version: 1 });
    } finally {
      raw.close();
    }
    createSqliteStore({ path }).close(); // reopening does not migrate twice
  });

  it('refuses a file written by a newer schema, naming the versions', () => {
    const path = freshPath();
    createSqliteStore({ path }).close();
    const raw = rawDatabase(path);
    raw.prepare('UPDATE schema_version SET version = 7').run();
    raw.close();
    expect(() => createSqliteStore({ path })).toThrow(expect.objectContaining({ code: 'unsupported', message: expect.stringMatching(/schema version 7, newer than this wasmhost knows \(1\)/) }));
  });

  it('creates missing directories, and names the path it cannot open', () => {
    const nested = join(dir, 'a', 'b', 'kv.db');
    createSqliteStore({ path: nested }).close();
    const notAFile = join(dir, 'a-directory');
    mkdirSync(notAFile);
    expect(() => createSqliteStore({ path: notAFile })).toThrow(expect.objectContaining({ code: 'io', message: expect.stringContaining(notAFile) }));
  });

  it('stores large values intact', () => {
    const store = createSqliteStore({ path: freshPath() });
    try {
      const big = new Uint8Array(16 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4093) big[i] = i % 251;
      big[big.length - 1] = 7;
      store.set('w', 'b', 'big', big);
      const out = store.get('w', 'b', 'big')!;
      expect(out.length).toBe(big.length);
      expect(Buffer.compare(out, big)).toBe(0);
    } finally {
      store.close();
    }
  });

  describe('two stores on one file (two hosts, or a host and a tool)', () => {
    let a: Store;
    let b: Store;
    const open = () => {
      const path = freshPath();
      a = createSqliteStore({ path });
      b = createSqliteStore({ path });
    };
    const closeBoth = () => { a.close(); b.close(); };

    it('see each other\'s writes, and increments from both add up', () => {
      open();
      try {
        a.set('w', 'b', 'k', bytes('written by a'));
        expect(text(b.get('w', 'b', 'k'))).toBe('written by a');
        for (let i = 0; i < 100; i++) {
          a.increment('w', 'b', 'n', 1n);
          b.increment('w', 'b', 'n', 2n);
        }
        expect(a.increment('w', 'b', 'n', 0n)).toBe(300n);
        expect(b.compareAndSwap('w', 'b', 'k', bytes('written by a'), bytes('b'))).toBe(true);
        expect(a.compareAndSwap('w', 'b', 'k', bytes('written by a'), bytes('a'))).toBe(false);
      } finally {
        closeBoth();
      }
    });

    it('list keys with a cursor while the other one writes: every lasting key once', () => {
      open();
      try {
        const lasting = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(3, '0')}`);
        for (const k of lasting) a.set('w', 'b', k, bytes(k));
        const seen: string[] = [];
        let cursor: string | undefined;
        let round = 0;
        do {
          const page = a.keys('w', 'b', { cursor, limit: 7 });
          seen.push(...page.keys);
          cursor = page.cursor;
          b.set('w', 'b', `a${round}`, bytes('before'));
          b.set('w', 'b', `z${round}`, bytes('after'));
          if (round > 0) b.delete('w', 'b', `z${round - 1}`); // came and went
          round++;
        } while (cursor !== undefined);
        for (const k of lasting) expect(seen.filter((s) => s === k), k).toHaveLength(1);
        expect(new Set(seen).size).toBe(seen.length);
        expect(listAll(b, 'w', 'b', 1000).keys).toHaveLength(50 + round + 1);
      } finally {
        closeBoth();
      }
    });
  });
});
