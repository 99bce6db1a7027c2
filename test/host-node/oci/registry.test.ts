// OCI pull and push against a real registry: Debian's docker-registry (distribution 2.8),
// started by the test on loopback, anonymous and with htpasswd basic auth.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageFetcher } from '../../../host-node/package-fetcher.js';
import { createNodeHttpClient } from '../../../host-node/https-client.js';
import { pullComponent } from '../../../src/component/oci/oci-pull.js';
import type { ComponentStore } from '../../../src/ports/agent-ports.js';
import { startTokenServer, type TokenServer } from '../../support/token-server.js';
import { haveRegistry, noRegistry, startRegistry, type Registry } from '../../support/registry.js';
import { watComponentPath } from '../../support/wat-components.js';
import { startAgent } from '../agent/agent-process.js';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));
const run = promisify(execFile);
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const push = (file: string, target: string, ...flags: string[]) => run(process.execPath, [BIN, 'push', file, target, '--json', ...flags]);
const memoryStore = (): ComponentStore & { map: Map<string, Uint8Array> } => {
  const map = new Map<string, Uint8Array>();
  return { map, get: async (d) => map.get(d), put: async (d, b) => void map.set(d, b) };
};
const pullOptions = { http: createNodeHttpClient(), timeoutMs: 30_000, maxBytes: 1 << 24 };

if (!haveRegistry) {
  describe('OCI registry', () => it.skip(noRegistry, () => {}));
  console.warn(noRegistry);
} else {
  describe('OCI registry (anonymous docker-registry)', () => {
    let registry: Registry;
    let file: string;
    let component: Uint8Array;
    beforeAll(async () => {
      registry = await startRegistry();
      file = await watComponentPath('scalars');
      component = new Uint8Array(readFileSync(file));
    });
    afterAll(() => registry?.stop());

    it('push prints the digests; pull by tag and by digest returns the same verified bytes; a cached blob is not downloaded again', async () => {
      const { stdout } = await push(file, `oci://${registry.host}/demo/scalars:v1`);
      const pushed = JSON.parse(stdout) as { manifestDigest: string; componentDigest: string; pinned: string };
      expect(pushed.componentDigest).toBe(sha256(component));
      expect(pushed.pinned).toBe(`oci://${registry.host}/demo/scalars@${pushed.manifestDigest}`);

      const blobs = memoryStore();
      const byTag = await pullComponent(`oci://${registry.host}/demo/scalars:v1`, { ...pullOptions, blobs });
      expect(byTag.bytes).toEqual(component);
      expect(byTag.cached).toBe(false);
      expect(byTag.manifestDigest).toBe(pushed.manifestDigest);
      expect(blobs.map.get(pushed.componentDigest)).toEqual(component);

      const byDigest = await pullComponent(pushed.pinned, { ...pullOptions, blobs });
      expect(byDigest.bytes).toEqual(component);
      expect(byDigest.cached).toBe(true);
      expect(byDigest.received).toBeLessThan(2048); // the manifest only

      const wrongPin = `oci://${registry.host}/demo/scalars@sha256:${'0'.repeat(64)}`;
      await expect(pullComponent(wrongPin, pullOptions)).rejects.toThrow(/no manifest sha256:0+ in demo\/scalars/);
    });

    it('refuses a blob that was tampered with in the registry\'s storage, naming the digests', async () => {
      const { stdout } = await push(file, `oci://${registry.host}/demo/tampered:v1`);
      const { componentDigest } = JSON.parse(stdout) as { componentDigest: string };
      const hex = componentDigest.slice('sha256:'.length);
      const data = join(registry.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
      const bytes = await readFile(data);
      bytes[bytes.length - 1] ^= 0xff;
      await writeFile(data, bytes);
      try {
        const blobs = memoryStore();
        const fetcher = createPackageFetcher({ oci: { blobs } });
        await expect(fetcher.fetch(`oci://${registry.host}/demo/tampered:v1`)).rejects.toThrow(
          `digest mismatch: oci://${registry.host}/demo/tampered:v1: expected blob ${componentDigest} (${bytes.length} bytes), received ${sha256(bytes)}`,
        );
        expect(blobs.map.size).toBe(0);
      } finally {
        bytes[bytes.length - 1] ^= 0xff; // the registry shares blobs between repositories
        await writeFile(data, bytes);
      }
    });

    it('the agent deploys a Margo custom profile whose component is an oci:// reference, from a local --desired folder', async () => {
      await push(file, `oci://${registry.host}/demo/agent:v1`);
      const root = await mkdtemp(join(tmpdir(), 'wasmhost-oci-agent-'));
      const desired = join(root, 'desired');
      await run('mkdir', ['-p', desired]);
      await writeFile(join(desired, 'calc.yaml'), `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: calc
metadata:
  name: calc
  annotations: {applicationId: calc, applicationVersion: 1.0.0}
spec:
  deploymentProfile:
    type: custom
    components:
      - name: adder
        properties:
          packageFormat: wasm.component
          packageLocation: oci://${registry.host}/demo/agent:v1
          digest: ${sha256(component)}
          triggers: [{kind: interval, everyMs: 100, export: add, args: ["2", "3"], output: out/sum}]
          limits: {isolation: in-process}
`);
      const agent = startAgent(['--desired', desired, '--no-simulated-device', '--allow-in-process'], join(root, 'state'));
      try {
        await agent.until((s) => s.deployments.some((d) => d.deploymentId === 'calc' && d.status.state === 'installed'));
        await agent.untilOutput('[bus] out/sum 5');
        expect(readFileSync(join(root, 'state/components', `${sha256(component).slice(7)}.wasm`))).toEqual(Buffer.from(component));
      } finally {
        await agent.stop('SIGKILL');
      }
    });
  });

  describe('OCI registry with htpasswd basic auth', () => {
    let registry: Registry;
    let file: string;
    let authFile: string;
    beforeAll(async () => {
      registry = await startRegistry({ user: { name: 'author', password: 'pa:ss word' } });
      file = await watComponentPath('scalars');
      authFile = join(await mkdtemp(join(tmpdir(), 'wasmhost-oci-auth-')), 'config.json');
      await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('author:pa:ss word').toString('base64') } } }));
    });
    afterAll(() => registry?.stop());

    it('refuses without credentials, pushes and pulls with the operator\'s credentials file', async () => {
      const target = `oci://${registry.host}/private/scalars:v1`;
      const refused = await push(file, target).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 1 });
      expect((refused as { stderr: string }).stderr).toContain(`error[denied]: ${registry.host} refused access to private/scalars: HTTP 401`);

      await push(file, target, '--registry-auth', authFile);
      const anonymous = createPackageFetcher();
      await expect(anonymous.fetch(target)).rejects.toMatchObject({ code: 'denied', message: expect.stringContaining('--registry-auth') });
      const wrong = createPackageFetcher({ oci: { credentials: () => ({ username: 'author', password: 'wrong' }) } });
      await expect(wrong.fetch(target)).rejects.toMatchObject({ code: 'denied' });
      const { loadRegistryCredentials } = await import('../../../host-node/registry-auth.js');
      const fetcher = createPackageFetcher({ oci: { credentials: await loadRegistryCredentials(authFile) } });
      expect(await fetcher.fetch(target)).toEqual(new Uint8Array(readFileSync(file)));
    });
  });

  describe('OCI registry with token auth (a token service in the test)', () => {
    let registry: Registry;
    let tokens: TokenServer;
    let file: string;
    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'wasmhost-oci-token-'));
      tokens = await startTokenServer(dir, { name: 'ci', password: 'token-secret' });
      registry = await startRegistry({ token: tokens });
      file = await watComponentPath('scalars');
    });
    afterAll(async () => {
      await registry?.stop();
      await tokens?.close();
    });

    it('answers the Bearer challenge with a token for the repository scope; without credentials the token service refuses', async () => {
      const credentials = () => ({ username: 'ci', password: 'token-secret' });
      const target = `oci://${registry.host}/tokened/scalars:v1`;
      const http = createNodeHttpClient();
      const { pushComponent } = await import('../../../src/component/oci/oci-push.js');
      const pushed = await pushComponent(target, new Uint8Array(readFileSync(file)), { http, credentials, timeoutMs: 30_000 });
      expect(scopesAsked(tokens.requests)).toContainEqual(['repository:tokened/scalars', 'pull,push']);
      const pulled = await pullComponent(pushed.pinned, { ...pullOptions, credentials });
      expect(pulled.bytes).toEqual(new Uint8Array(readFileSync(file)));
      expect(scopesAsked(tokens.requests)).toContainEqual(['repository:tokened/scalars', 'pull']);
      await expect(pullComponent(target, pullOptions)).rejects.toMatchObject({
        code: 'denied', message: expect.stringContaining(`its token service ${tokens.realm} answered HTTP 401 without credentials`),
      });
    });
  });
}

/** The scopes token requests asked for, as [resource, actions sorted]: the registry may name actions in any order. */
function scopesAsked(requests: string[]): [string, string][] {
  return requests.flatMap((r) => new URL(r, 'http://x').searchParams.getAll('scope')).map((scope) => {
    const at = scope.lastIndexOf(':');
    return [scope.slice(0, at), scope.slice(at + 1).split(',').sort().join(',')];
  });
}
