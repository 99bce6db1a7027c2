// The credentials of the clients the embedded broker lets in besides the host itself: embedded
// peers (`wasmhost peer add`) and pages (issued by `wasmhost serve`). Stored as mosquitto 2.0
// `$7$` hashes (PBKDF2-SHA512, random salt) in `<state>/credentials.json`, so the same hash is
// checked here and written into a mosquitto password_file. The secret itself is never stored.
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasmhostError } from '../src/errors.js';
import { BROWSER_USERNAME, HOST_USERNAME, isPeerId } from '../src/bridge/acl.js';

/** A peer (talks on its own topics) or a page (reaches the peers it was issued for). */
export type CredentialKind = 'peer' | 'page';

/** One stored credential: never the secret, only its hash. */
export interface StoredCredential {
  id: string;
  kind: CredentialKind;
  /** mosquitto `$7$<iterations>$<salt>$<hash>` (PBKDF2-SHA512, base64). */
  hash: string;
  created: string;
  /** For a page: the peers it may call (rpc) and hear (birth, death, data, reply). */
  peers?: string[];
}

/** The credential file's content. */
interface CredentialFile { version: 1; credentials: Record<string, StoredCredential> }

/**
 * Secrets are 32 random bytes (256 bits), so no dictionary attack applies and stretching adds
 * nothing: 1000 rounds keep a connection cheap for mosquitto and for us.
 */
const ITERATIONS = 1000;

/** `$7$` hash of `secret` with a fresh 12-byte salt (mosquitto_passwd's format). */
export function hashSecret(secret: string, iterations = ITERATIONS): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(secret, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `secret` matches a `$7$` hash (constant-time comparison of the derived keys). */
export function verifySecret(secret: Uint8Array | string, stored: string): boolean {
  const parts = /^\$7\$(\d{1,7})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!parts) return false;
  const expected = Buffer.from(parts[3], 'base64');
  if (expected.length !== 64) return false;
  const derived = pbkdf2Sync(Buffer.from(secret), Buffer.from(parts[2], 'base64'), Number(parts[1]), 64, 'sha512');
  return timingSafeEqual(derived, expected);
}

/** The credential store on disk; every call reads the file, so another process's change (a revocation) counts at once. */
export interface CredentialStore {
  readonly path: string;
  /** Adds `id` with a new random secret and returns the secret (shown once, never stored). */
  add(id: string, kind: CredentialKind, peers?: string[]): string;
  /** Removes `id`; false when it was not there. */
  remove(id: string): boolean;
  list(): StoredCredential[];
  get(id: string): StoredCredential | undefined;
  /** The credential when `secret` is right for `id`, else undefined. */
  verify(id: string, secret: Uint8Array | string | undefined): StoredCredential | undefined;
  /** Calls `listener` when the file changes (polled each second); returns a function that stops it. */
  watch(listener: () => void): () => void;
}

/** The store at `<stateDir>/credentials.json` (created on the first `add`, mode 0600). */
export function openCredentialStore(stateDir: string): CredentialStore {
  const path = join(stateDir, 'credentials.json');
  const read = (): CredentialFile => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, credentials: {} };
      throw new WasmhostError('io', `the credential file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    try {
      const file = JSON.parse(text) as CredentialFile;
      if (file.version !== 1 || typeof file.credentials !== 'object' || file.credentials === null) throw new Error('not a version 1 credential file');
      return file;
    } catch (error) {
      throw new WasmhostError('io', `the credential file ${path} is corrupt (${(error as Error).message}); remove it and provision the peers again`, { cause: error });
    }
  };
  const write = (file: CredentialFile) => {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  };
  return {
    path,
    add(id, kind, peers) {
      if (!isPeerId(id) || id === HOST_USERNAME || id === BROWSER_USERNAME) {
        throw new WasmhostError('bad-input', `'${id}' is not a valid id: 1–64 of [A-Za-z0-9_-], not ${HOST_USERNAME} or ${BROWSER_USERNAME}`);
      }
      const file = read();
      if (file.credentials[id]) throw new WasmhostError('bad-input', `${id} already has a credential in ${path}; remove it first (wasmhost peer remove ${id})`);
      const secret = randomBytes(32).toString('base64url');
      file.credentials[id] = { id, kind, hash: hashSecret(secret), created: new Date().toISOString(), ...(peers ? { peers } : {}) };
      write(file);
      return secret;
    },
    remove(id) {
      const file = read();
      if (!file.credentials[id]) return false;
      delete file.credentials[id];
      write(file);
      return true;
    },
    list: () => Object.values(read().credentials),
    get(id) {
      const all = read().credentials;
      return Object.hasOwn(all, id) ? all[id] : undefined;
    },
    verify(id, secret) {
      if (secret === undefined) return undefined;
      const entry = this.get(id);
      return entry && verifySecret(secret, entry.hash) ? entry : undefined;
    },
    watch(listener) {
      let last = mtime(path);
      const onChange = () => {
        const now = mtime(path);
        if (now !== last) {
          last = now;
          listener();
        }
      };
      watchFile(path, { interval: 1000, persistent: false }, onChange);
      return () => unwatchFile(path, onChange);
    },
  };
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** A mosquitto password_file: one `id:$7$…` line per credential. */
export function mosquittoPasswd(credentials: StoredCredential[], host?: { username: string; hash: string }): string {
  const lines = credentials.map((c) => `${c.id}:${c.hash}`);
  if (host) lines.unshift(`${host.username}:${host.hash}`);
  return lines.map((l) => `${l}\n`).join('');
}
