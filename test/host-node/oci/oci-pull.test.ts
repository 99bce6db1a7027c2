// The pull protocol against a small registry in the test (127.0.0.1): the Bearer token dance,
// a blob download cut midway and continued with a Range request, an image index, refusals.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpClient } from '../../../host-node/https-client.js';
import { pullComponent } from '../../../src/component/oci/oci-pull.js';
import { OCI_INDEX, OCI_MANIFEST, WASM_CONFIG, WASM_LAYER } from '../../../src/component/oci/oci-manifest.js';

const sha256 = (b: Uint8Array | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blob = randomBytes(200_000);
const layer = { mediaType: WASM_LAYER, digest: sha256(blob), size: blob.length };
const manifest = (configType: string) => JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: configType, digest: sha256('{}'), size: 2 }, layers: [layer] });
const wasmManifest = manifest(WASM_CONFIG);
const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [
  { mediaType: OCI_MANIFEST, digest: sha256('other'), size: 5, platform: { architecture: 'amd64', os: 'linux' } },
  { mediaType: OCI_MANIFEST, digest: sha256(wasmManifest), size: wasmManifest.length, platform: { architecture: 'wasm', os: 'wasip2' } },
] });

interface Seen { url: string; authorization?: string; range?: string }
let server: Server;
let base: string;
const seen: Seen[] = [];
let cutNext = false;
let redirectTo: string | undefined;

function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ url: req.url!, authorization: req.headers.authorization, range: req.headers.range });
  if (req.url!.startsWith('/token?')) {
    const ok = req.headers.authorization === `Basic ${Buffer.from('reader:secret').toString('base64')}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? JSON.stringify({ token: 'tok-1' }) : '{}');
    return;
  }
  if (req.headers.authorization !== 'Bearer tok-1') {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="fake registry",scope="repository:demo/app:pull"` }).end();
    return;
  }
  const manifests: Record<string, [string, string]> = {
    '/v2/demo/app/manifests/v1': [wasmManifest, OCI_MANIFEST],
    [`/v2/demo/app/manifests/${sha256(wasmManifest)}`]: [wasmManifest, OCI_MANIFEST],
    '/v2/demo/app/manifests/idx': [index, OCI_INDEX],
    '/v2/demo/app/manifests/image': [manifest('application/vnd.oci.image.config.v1+json'), OCI_MANIFEST],
    [`/v2/demo/app/manifests/${sha256('swapped')}`]: [wasmManifest, OCI_MANIFEST], // a registry serving other bytes under a pinned digest
  };
  const m = manifests[req.url!];
  if (m) return void res.writeHead(200, { 'content-type': m[1], 'docker-content-digest': sha256(m[0]) }).end(m[0]);
  if (req.url === `/v2/demo/app/blobs/${layer.digest}` && redirectTo) {
    return void res.writeHead(307, { location: `${redirectTo}/storage/${layer.digest.slice(7)}?sig=1` }).end();
  }
  if (req.url === `/v2/demo/app/blobs/${layer.digest}`) {
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from > 0) {
      res.writeHead(206, { 'content-range': `bytes ${from}-${blob.length - 1}/${blob.length}`, 'content-length': blob.length - from }).end(blob.subarray(from));
    } else if (cutNext) {
      cutNext = false;
      res.writeHead(200, { 'content-length': blob.length });
      res.write(blob.subarray(0, 70_000), () => setTimeout(() => res.socket?.destroy(), 20));
    } else res.writeHead(200, { 'content-length': blob.length }).end(blob);
    return;
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const options = (extra = {}) => ({
  http: createNodeHttpClient(), timeoutMs: 10_000, maxBytes: 1 << 20,
  credentials: (registry: string) => (registry === base.slice(7) ? { username: 'reader', password: 'secret' } : undefined), ...extra,
});
const ref = (tail: string) => `oci://${base.slice('http://'.length)}/demo/app${tail}`;

describe('OCI pull (a registry in the test)', () => {
  it('answers a Bearer challenge with a token fetched with the operator\'s credentials, and resumes a cut blob with Range', async () => {
    seen.length = 0;
    cutNext = true;
    const progress: [number, number][] = [];
    const pulled = await pullComponent(ref(':v1'), { ...options(), onProgress: (n, total) => progress.push([n, total]) });
    expect(Buffer.from(pulled.bytes).equals(blob)).toBe(true);
    // Progress counts the layer's bytes across the resume, up to its declared size.
    expect(progress.at(-1)).toEqual([blob.length, blob.length]);
    expect(progress.every(([n], i) => i === 0 || n > progress[i - 1]![0])).toBe(true);
    const token = seen.find((s) => s.url.startsWith('/token?'))!;
    expect(token.url).toBe(`/token?service=fake%20registry&scope=${encodeURIComponent('repository:demo/app:pull')}`);
    expect(token.authorization).toBe(`Basic ${Buffer.from('reader:secret').toString('base64')}`);
    const blobGets = seen.filter((s) => s.url.includes('/blobs/'));
    expect(blobGets.map((s) => s.range)).toEqual([undefined, 'bytes=70000-']);
    expect(blobGets.every((s) => s.authorization === 'Bearer tok-1')).toBe(true);
  });

  it('gives up on a cut blob after the allowed resumes', async () => {
    cutNext = true;
    await expect(pullComponent(ref(':v1'), options({ resumes: 0 }))).rejects.toMatchObject({ code: 'io' });
  });

  it('follows an image index to its Wasm manifest, verified by digest', async () => {
    const pulled = await pullComponent(ref(':idx'), options());
    expect(pulled.manifestDigest).toBe(sha256(wasmManifest));
    expect(Buffer.from(pulled.bytes).equals(blob)).toBe(true);
  });

  it('follows a blob redirect to storage elsewhere without sending the registry token there', async () => {
    const storageSeen: (string | undefined)[] = [];
    const storage = createServer((req, res) => {
      storageSeen.push(req.headers.authorization);
      res.writeHead(200, { 'content-length': blob.length }).end(blob);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    redirectTo = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
    try {
      const pulled = await pullComponent(ref(':v1'), options());
      expect(Buffer.from(pulled.bytes).equals(blob)).toBe(true);
      expect(storageSeen).toEqual([undefined]);
    } finally {
      redirectTo = undefined;
      await new Promise<void>((r) => storage.close(() => r()));
    }
  });

  it('refuses a manifest whose bytes do not match the pinned digest', async () => {
    await expect(pullComponent(ref(`@${sha256('swapped')}`), options())).rejects.toMatchObject({
      code: 'bad-input', message: expect.stringContaining(`digest mismatch: ${ref(`@${sha256('swapped')}`)}: expected manifest ${sha256('swapped')}, received ${sha256(wasmManifest)}`),
    });
  });

  it('refuses: no credentials for the token, a container image, a layer over the byte cap', async () => {
    await expect(pullComponent(ref(':v1'), options({ credentials: undefined }))).rejects.toMatchObject({
      code: 'denied', message: expect.stringMatching(/token service .*\/token answered HTTP 401 without credentials; give the agent credentials/),
    });
    await expect(pullComponent(ref(':image'), options())).rejects.toMatchObject({
      code: 'unsupported', message: expect.stringContaining('config media type "application/vnd.oci.image.config.v1+json" (expected application/vnd.wasm.config.v0+json'),
    });
    seen.length = 0;
    await expect(pullComponent(ref(':v1'), options({ maxBytes: 1000 }))).rejects.toThrow(`the component layer is ${blob.length} bytes, over the 1000-byte limit`);
    expect(seen.some((s) => s.url.includes('/blobs/'))).toBe(false);
  });
});
