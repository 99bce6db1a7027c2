// The Node package fetcher: a local desired-state folder's paths stay inside it (symlinks
// resolved), errors say the same for every refused path and never quote content, and a
// remote base never reads local files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageFetcher } from '../../host-node/package-fetcher.js';
import { WasmhostError } from '../../src/errors.js';
import { bytesRoute, startHostileServer, type HostileServer } from '../support/hostile-http-server.js';

const root = mkdtempSync(join(tmpdir(), 'wasmhost-fetcher-'));
const folder = join(root, 'desired');
let server: HostileServer;

beforeAll(async () => {
  mkdirSync(join(folder, 'components'), { recursive: true });
  writeFileSync(join(folder, 'components', 'a.wasm'), 'component bytes');
  writeFileSync(join(root, 'secret.txt'), 'top secret');
  symlinkSync(join(root, 'secret.txt'), join(folder, 'leak.wasm'));
  symlinkSync('/etc', join(folder, 'etc'));
  symlinkSync(join(folder, 'components', 'a.wasm'), join(folder, 'inside.wasm'));
  execFileSync('mkfifo', [join(folder, 'pipe.wasm')]);
  writeFileSync(join(folder, 'big.wasm'), Buffer.alloc(2048));
  server = await startHostileServer({ '/etc/hostname': bytesRoute(new TextEncoder().encode('served remotely')) });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmhostError);
  return (error as Error).message;
}

describe('createPackageFetcher', () => {
  it('reads a relative path inside the folder, also through a symlink that stays inside', async () => {
    const fetcher = createPackageFetcher();
    expect(new TextDecoder().decode(await fetcher.fetch('components/a.wasm', folder))).toBe('component bytes');
    expect(new TextDecoder().decode(await fetcher.fetch('inside.wasm', folder))).toBe('component bytes');
  });

  it('refuses absolute paths, .., symlinks out, directories, FIFOs and missing files with one message', async () => {
    const fetcher = createPackageFetcher();
    const messages: string[] = [];
    for (const location of ['/etc/hostname', '../secret.txt', 'leak.wasm', 'etc/hostname', 'components', 'pipe.wasm', 'missing.wasm', 'etc/no-such-file']) {
      const message = await refusal(fetcher.fetch(location, folder));
      expect(message).not.toContain('top secret');
      messages.push(message.replace(JSON.stringify(location), '<location>'));
    }
    // The same words whether the path exists or not: nothing tells which paths exist.
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe(`cannot read package <location>: no regular file at that path inside the desired-state folder ${folder} (a path must be relative, without "..", and must not lead outside the folder through a symlink)`);
  });

  it('refuses a file over the size cap', async () => {
    expect(await refusal(createPackageFetcher({ maxBytes: 1024 }).fetch('big.wasm', folder))).toBe('package "big.wasm" is 2048 bytes, over the 1024-byte limit');
  });

  it('resolves every location against a remote base as a URL: an absolute path is fetched from the server, never read locally', async () => {
    const fetcher = createPackageFetcher();
    expect(new TextDecoder().decode(await fetcher.fetch('/etc/hostname', `${server.url}/api/v1`))).toBe('served remotely');
    expect(server.stats('/etc/hostname').requests).toBe(1);
    expect(await refusal(fetcher.fetch('/nothing.wasm', server.url))).toBe(`cannot fetch package ${server.url}/nothing.wasm: HTTP 404`);
  });
});
