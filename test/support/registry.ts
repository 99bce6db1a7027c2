// Runs Debian's docker-registry (distribution 2.8) as a child process of the test: loopback,
// a free port, filesystem storage in a temp dir, and optionally htpasswd (bcrypt) basic auth.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mosquitto.js';

export const REGISTRY = '/usr/bin/docker-registry';
export const HTPASSWD = '/usr/bin/htpasswd';
export const haveRegistry = existsSync(REGISTRY) && existsSync(HTPASSWD);
export const noRegistry = `${REGISTRY} or ${HTPASSWD} is missing: the registry tests are skipped (apt-get install -y docker-registry apache2-utils)`;

/** A registry process the test owns. */
export interface Registry {
  /** `127.0.0.1:<port>`, as an oci:// reference names it. */
  host: string;
  /** Where the registry keeps its blobs (to tamper with one). */
  storage: string;
  stop(): Promise<void>;
  log(): string;
}

/** How the registry authenticates: htpasswd basic auth for a user, or tokens from a token service. */
export type RegistryAuth = { user: { name: string; password: string } } | { token: { realm: string; service: string; issuer: string; certPath: string } };

/** Starts the registry; with `auth`, every request needs that user's basic auth or a token. */
export async function startRegistry(auth?: RegistryAuth): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-registry-'));
  const port = await freePort();
  const storage = join(dir, 'data');
  const lines = auth === undefined ? []
    : 'user' in auth ? ['auth:', '  htpasswd:', '    realm: wasmhost-test', `    path: ${join(dir, 'htpasswd')}`]
    : ['auth:', '  token:', `    realm: ${auth.token.realm}`, `    service: ${auth.token.service}`, `    issuer: ${auth.token.issuer}`, `    rootcertbundle: ${auth.token.certPath}`];
  if (auth && 'user' in auth) await writeFile(join(dir, 'htpasswd'), execFileSync(HTPASSWD, ['-Bbn', auth.user.name, auth.user.password]));
  await writeFile(join(dir, 'config.yml'), [
    'version: 0.1',
    'log:', '  level: warn', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${storage}`,
    'http:', `  addr: 127.0.0.1:${port}`, '  secret: wasmhost-test-only',
    ...lines, '',
  ].join('\n'));
  const child = spawn(REGISTRY, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (up) break;
    if (child.exitCode !== null || i > 200) throw new Error(`docker-registry did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    storage,
    log: () => out,
    async stop() {
      process.off('exit', orphan);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
