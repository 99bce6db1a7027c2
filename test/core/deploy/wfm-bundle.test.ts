// The rc.3 bundle reader: gzip inflated with its decoded size capped, a ustar reader that
// checks every header, and the client's rule that a bundle holds exactly the manifest's YAMLs.
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleFiles, gunzip } from '../../../src/deploy/wfm-bundle.js';
import { createWfmClient } from '../../../src/deploy/wfm-client.js';
import { WasmhostError } from '../../../src/errors.js';
import { bundleOf, createRc3FleetManager } from '../../support/margo-rc3/fleet-manager.js';

const enc = (s: string) => new TextEncoder().encode(s);
const tarOf = (files: Uint8Array[]) => new Uint8Array(gunzipSync(bundleOf(files)));

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<WasmhostError> {
  const error = await (typeof promise === 'function' ? Promise.resolve().then(promise) : promise).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmhostError);
  return error as WasmhostError;
}

describe('gunzip and bundleFiles', () => {
  it('reads back the regular files of a gzip ustar archive', async () => {
    const files = bundleFiles(await gunzip(bundleOf([enc('a: 1\n'), enc('b: 2\n')])));
    expect(files.map((f) => [f.name, new TextDecoder().decode(f.bytes)])).toEqual([['deployment-0.yaml', 'a: 1\n'], ['deployment-1.yaml', 'b: 2\n']]);
  });

  it('stops inflating a gzip bomb at the cap', async () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(4 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(10_000);
    const error = await refusal(gunzip(bomb, 1024 * 1024));
    expect(error.message).toContain('inflates past 1048576 bytes');
  });

  it('refuses bytes that are not gzip', async () => {
    expect((await refusal(gunzip(enc('plain text, not gzip')))).message).toMatch(/not valid gzip/);
  });

  it('refuses a header with a wrong checksum, an entry past the end, and too many entries', async () => {
    const tar = tarOf([enc('a: 1\n')]);
    const flipped = tar.slice();
    flipped[0] ^= 1;
    expect((await refusal(() => bundleFiles(flipped))).message).toMatch(/checksum/);
    expect((await refusal(() => bundleFiles(tar.slice(0, 512 + 100).fill(0, 600)))).message).toMatch(/run past the end|truncated/);
    const many = tarOf(Array.from({ length: 300 }, (_, i) => enc(`n: ${i}\n`)));
    expect((await refusal(() => bundleFiles(many))).message).toMatch(/more than \d+ entries/);
  });
});

describe('the client and the bundle', () => {
  const setup = () => {
    const fm = createRc3FleetManager();
    fm.deployments.set('a', enc('kind: ApplicationDeployment\nid: a\n'));
    fm.deployments.set('b', enc('kind: ApplicationDeployment\nid: b\n'));
    return fm;
  };

  it('refuses a bundle whose bytes do not match bundle.digest, keeping nothing of it', async () => {
    const fm = setup();
    const http = { request: async (...args: Parameters<typeof fm.client.request>) => {
      const res = await fm.client.request(...args);
      return args[1].includes('/bundles/') ? { ...res, body: bundleOf([enc('x: 1\n')]) } : res;
    } };
    const error = await refusal(createWfmClient({ baseUrl: 'http://127.0.0.1:9', http }).pollDeployments({}));
    expect(error.data).toMatchObject({ reason: 'digest-mismatch' });
    expect(error.message).toMatch(/^bundle: .* the whole manifest is refused$/);
  });

  it('refuses a bundle with a file the manifest does not list (rc.3: exactly the referenced set)', async () => {
    const fm = setup();
    const extra = bundleOf([...fm.deployments.values(), enc('kind: ApplicationDeployment\nid: stowaway\n')]);
    const digest = fm.sha256(extra);
    const http = { request: async (...args: Parameters<typeof fm.client.request>) => {
      const res = await fm.client.request(...args);
      if (args[1].endsWith('/api/v1/deployments') && res.status === 200) {
        const doc = JSON.parse(new TextDecoder().decode(res.body));
        doc.bundle = { ...doc.bundle, digest, url: `/api/v1/bundles/${digest}` };
        return { ...res, body: enc(JSON.stringify(doc)) };
      }
      return args[1].includes('/bundles/') ? { status: 200, headers: {}, body: extra } : res;
    } };
    const error = await refusal(createWfmClient({ baseUrl: 'http://127.0.0.1:9', http }).pollDeployments({}));
    expect(error.message).toMatch(/file "deployment-2\.yaml" .* is not a deployment of the manifest/);
  });

  it('falls back to single fetches when the bundle is gone (404)', async () => {
    const fm = setup();
    fm.injected.push({ method: 'GET', path: /^\/api\/v1\/bundles\//, status: 404 });
    const result = await createWfmClient({ baseUrl: 'http://127.0.0.1:9', http: fm.client }).pollDeployments({});
    expect(result).toMatchObject({ changed: true, fetched: { bundle: 0, single: 2, cached: 0 } });
  });
});
