import { readFile } from 'node:fs/promises';
import { WasmhostError } from '../src/errors.js';
import type { RegistryCredentials } from '../src/component/oci/oci-auth.js';

/**
 * Registry credentials from the operator's file, in Docker's `config.json` shape:
 * `{"auths": {"host:port": {"auth": "<base64 user:password>"} | {"username": …, "password": …}}}`
 * (so `docker login`'s file works as is). The file is named by `--registry-auth` or
 * `$WASMHOST_REGISTRY_AUTH`; never by a manifest. Returns a lookup by `host[:port]`.
 */
export async function loadRegistryCredentials(file: string | undefined): Promise<((registry: string) => RegistryCredentials | undefined) | undefined> {
  if (file === undefined) return undefined;
  const fail = (why: string, cause?: unknown) => new WasmhostError('bad-input', `registry credentials ${file}: ${why}`, { cause });
  let doc: { auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown }> };
  try {
    doc = JSON.parse(await readFile(file, 'utf8')) as typeof doc;
  } catch (error) {
    throw fail(`cannot read it as JSON (${(error as Error).message})`, error);
  }
  if (typeof doc !== 'object' || doc === null || typeof doc.auths !== 'object' || doc.auths === null) throw fail('expected {"auths": {"host:port": {...}}}');
  const table = new Map<string, RegistryCredentials>();
  for (const [key, entry] of Object.entries(doc.auths)) {
    const registry = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
    if (typeof entry?.auth === 'string') {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon <= 0) throw fail(`auths["${key}"].auth is not base64 of user:password`);
      table.set(registry, { username: text.slice(0, colon), password: text.slice(colon + 1) });
    } else if (typeof entry?.username === 'string' && typeof entry.password === 'string') {
      table.set(registry, { username: entry.username, password: entry.password });
    } else throw fail(`auths["${key}"] needs "auth" or "username" and "password"`);
  }
  return (registry) => table.get(registry.toLowerCase());
}
