// The key-value store the Node host opens at first use (host-node/lazy-store.ts): the Store
// contract over SQLite, and nothing opened (no file, no driver) until a call needs it.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLazyStore } from '../../host-node/lazy-store.js';
import { createNodeHost } from '../../host-node/node-host.js';
import { createSqliteStore } from '../../host-node/sqlite-store.js';
import type { Store } from '../../src/ports/store.js';
import { storeContract } from '../contracts/store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmhost-lazy-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);
const bytes = (text: string) => new TextEncoder().encode(text);

storeContract('lazy sqlite', () => {
  const path = freshPath();
  return createLazyStore(() => createSqliteStore({ path }), path);
});

describe('lazy store', () => {
  it('opens its backend at the first call, once', () => {
    const path = freshPath();
    let opened = 0;
    const store = createLazyStore(() => (opened++, createSqliteStore({ path })), path);
    expect([opened, existsSync(path)]).toEqual([0, false]);
    expect(store.get('ns', 'b', 'k')).toBeUndefined();
    store.set('ns', 'b', 'k', bytes('v'));
    expect([opened, existsSync(path)]).toEqual([1, true]);
    store.close();
  });

  it('throws an opening error to the caller and tries again at the next call', () => {
    const blocker = freshPath();
    writeFileSync(blocker, 'a file where the directory should be');
    const path = join(blocker, 'keyvalue.db');
    let attempts = 0;
    const store = createLazyStore(() => (attempts++, createSqliteStore({ path })), path);
    expect(() => store.get('ns', 'b', 'k')).toThrow(expect.objectContaining({ code: 'io' }));
    expect(() => store.exists('ns', 'b', 'k')).toThrow(expect.objectContaining({ code: 'io' }));
    expect(attempts).toBe(2);
  });

  it('closed before its first use: never opens, and later calls throw', () => {
    let opened = 0;
    const store = createLazyStore((): Store => {
      opened++;
      throw new Error('must not open');
    }, 'unused.db');
    store.close();
    store.close();
    expect(() => store.get('ns', 'b', 'k')).toThrow(expect.objectContaining({ code: 'io', message: expect.stringMatching(/unused\.db is closed/) }));
    expect(opened).toBe(0);
  });

  it('a Node host with a data directory creates no database until a bucket is used', () => {
    const dataDir = join(dir, 'host-data');
    createNodeHost({ dataDir, cacheDir: join(dir, 'host-cache') });
    expect(existsSync(join(dataDir, 'keyvalue.db'))).toBe(false);
  });
});
