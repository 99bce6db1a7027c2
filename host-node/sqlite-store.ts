import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { WasmhostError } from '../src/errors.js';
import type { KeyPage, Store } from '../src/ports/store.js';
import { addToCounter, encodeCounter, pageLimit, sameBytes } from '../src/memory/memory-store.js';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** The database file (created with its directory if absent), or `:memory:`. */
  path: string;
  /** `full` also survives a power cut at the cost of an fsync per write (default `normal`: WAL survives a process crash). */
  sync?: 'normal' | 'full';
}

/** Schema changes in order; the database records how many it has applied. Append, never edit. */
const MIGRATIONS = [
  `CREATE TABLE entries (
     ns TEXT NOT NULL, bucket TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
     PRIMARY KEY (ns, bucket, key)
   ) WITHOUT ROWID`,
];

/**
 * A store in one SQLite file (better-sqlite3, synchronous): WAL journal, prepared statements,
 * and a `schema_version` table. Keys are listed in byte order of their UTF-8; the cursor is
 * the last key of the previous page. Several stores (or processes) may share a file:
 * `increment` and `compareAndSwap` run in immediate transactions.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { path } = options;
  const db = openDatabase(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error instanceof WasmhostError ? error : new WasmhostError('io', `cannot prepare the key-value store ${path}: ${message(error)}`, { cause: error });
  }
  const where = 'ns = ? AND bucket = ? AND key = ?';
  const q = {
    get: db.prepare(`SELECT value FROM entries WHERE ${where}`).pluck(),
    set: db.prepare('INSERT INTO entries (ns, bucket, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    delete: db.prepare(`DELETE FROM entries WHERE ${where}`),
    exists: db.prepare(`SELECT 1 FROM entries WHERE ${where}`).pluck(),
    firstKeys: db.prepare('SELECT key FROM entries WHERE ns = ? AND bucket = ? ORDER BY key LIMIT ?').pluck(),
    nextKeys: db.prepare('SELECT key FROM entries WHERE ns = ? AND bucket = ? AND key > ? ORDER BY key LIMIT ?').pluck(),
  };
  const read = (ns: string, bucket: string, key: string) => bytes(q.get.get(ns, bucket, key));
  const increment = db.transaction((ns: string, bucket: string, key: string, delta: bigint) => {
    const next = addToCounter(read(ns, bucket, key), delta, key);
    q.set.run(ns, bucket, key, encodeCounter(next));
    return next;
  });
  const compareAndSwap = db.transaction((ns: string, bucket: string, key: string, expected: Uint8Array | undefined, value: Uint8Array) => {
    if (!sameBytes(read(ns, bucket, key), expected)) return false;
    q.set.run(ns, bucket, key, value);
    return true;
  });
  let closed = false;
  const open = () => {
    if (closed) throw new WasmhostError('io', `the key-value store ${path} is closed; create a new one to use the file again`);
  };

  return {
    get: (ns, bucket, key) => (open(), read(ns, bucket, key)),
    set(ns, bucket, key, value) {
      open();
      q.set.run(ns, bucket, key, value);
    },
    delete(ns, bucket, key) {
      open();
      q.delete.run(ns, bucket, key);
    },
    exists: (ns, bucket, key) => (open(), q.exists.get(ns, bucket, key) !== undefined),
    keys(ns, bucket, page = {}): KeyPage {
      open();
      const limit = pageLimit(page.limit);
      const rows = (page.cursor === undefined ? q.firstKeys.all(ns, bucket, limit + 1) : q.nextKeys.all(ns, bucket, page.cursor, limit + 1)) as string[];
      const keys = rows.slice(0, limit);
      return rows.length > limit ? { keys, cursor: keys[keys.length - 1] } : { keys };
    },
    increment: (ns, bucket, key, delta) => (open(), increment.immediate(ns, bucket, key, delta)),
    compareAndSwap: (ns, bucket, key, expected, value) => (open(), compareAndSwap.immediate(ns, bucket, key, expected, value)),
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

function openDatabase(path: string): Database {
  try {
    // node:fs through require, when a store is opened: importing it as a module would load Node's
    // streams in every process that loads this file (a tenth of a warm `wasmhost run`).
    const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
    if (path !== ':memory:' && !path.startsWith('file:')) fs.mkdirSync(dirname(path), { recursive: true });
    return new (loadDriver())(path);
  } catch (error) {
    throw new WasmhostError('io', `cannot open the key-value store ${path}: ${message(error)}`, { cause: error });
  }
}

/** Applies the migrations this file lacks, in one transaction; refuses a file from a newer schema. */
function migrate(db: Database, path: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const version = (db.prepare('SELECT version FROM schema_version').pluck().get() as number | undefined) ?? 0;
    if (version > MIGRATIONS.length) {
      throw new WasmhostError('unsupported', `the key-value store ${path} has schema version ${version}, newer than this wasmhost knows (${MIGRATIONS.length}); upgrade wasmhost`);
    }
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    if (version === 0) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
    else db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
  }).immediate();
}

function bytes(value: unknown): Uint8Array | undefined {
  // better-sqlite3 hands out a Buffer with its own ArrayBuffer; a plain view of it is enough.
  return value === undefined ? undefined : new Uint8Array((value as Uint8Array).buffer, (value as Uint8Array).byteOffset, (value as Uint8Array).byteLength);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The few parts of better-sqlite3 used here (it ships no types; @types/better-sqlite3 would be a dependency for five methods).
interface Statement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  pluck(): Statement;
}
interface Transaction<F extends (...args: never[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
}
interface Database {
  pragma(source: string): unknown;
  prepare(source: string): Statement;
  exec(source: string): void;
  transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>;
  close(): void;
}

/** better-sqlite3's constructor (CommonJS; Node caches the module). */
function loadDriver(): new (path: string) => Database {
  return createRequire(import.meta.url)('better-sqlite3') as new (path: string) => Database;
}
