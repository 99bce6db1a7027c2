// Protocol edge cases of the fleet manager client, against an in-memory fake of the API.
// The real reference server is exercised in test/host-node/wfm.test.ts.
import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/component/digest.js';
import { createWfmClient, MANIFEST_MEDIA_TYPE } from '../../../src/deploy/wfm-client.js';
import { WasmhostError } from '../../../src/errors.js';
import type { HttpClient, HttpRequestInit, HttpResponse } from '../../../src/ports/http-client.js';

const BASE = 'https://wfm.test:8443';
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

interface Logged { method: string; url: string; init?: HttpRequestInit }
type Handler = (method: string, url: string, init?: HttpRequestInit) => HttpResponse | undefined;

/** A fake fleet manager: YAML files by id, a manifest built from them, and hooks to misbehave. */
function fakeWfm() {
  const files = new Map<string, Uint8Array>();
  const log: Logged[] = [];
  const state = {
    version: 1 as number | bigint | string,
    /** Patches applied to the manifest's entries, by deploymentId. */
    patch: {} as Record<string, Record<string, unknown>>,
    /** Replaces the manifest body text. */
    body: undefined as string | undefined,
    contentType: MANIFEST_MEDIA_TYPE,
    /** Answers a request before the API does (return undefined to fall through). */
    intercept: undefined as Handler | undefined,
  };
  const respond = (status: number, body: Uint8Array | string = '', headers: Record<string, string> = {}): HttpResponse =>
    ({ status, headers, body: typeof body === 'string' ? bytes(body) : body });

  async function manifest() {
    const deployments = [];
    for (const [id, data] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      const digest = await sha256Digest(data);
      deployments.push({ deploymentId: id, digest, sizeBytes: data.length, url: `/api/v1/deployments/${id}/${digest}`, ...state.patch[id] });
    }
    const version = typeof state.version === 'bigint' ? state.version.toString() : JSON.stringify(state.version);
    return state.body ?? `{"manifestVersion":${version},"bundle":null,"deployments":${JSON.stringify(deployments)}}`;
  }

  const http: HttpClient = {
    async request(method, url, init) {
      log.push({ method, url, init });
      const early = state.intercept?.(method, url, init);
      if (early) return early;
      const path = url.slice(BASE.length);
      if (method === 'GET' && path === '/api/v1/deployments') {
        const body = await manifest();
        const etag = `"${await sha256Digest(bytes(body))}"`;
        if (init?.headers?.['if-none-match'] === etag) return respond(304, '', { etag });
        return respond(200, body, { 'content-type': state.contentType, etag });
      }
      const yaml = /^\/api\/v1\/deployments\/([^/]+)\/(sha256:[0-9a-f]+)$/.exec(path);
      if (method === 'GET' && yaml) {
        const data = files.get(yaml[1]);
        return data && (await sha256Digest(data)) === yaml[2] ? respond(200, data, { 'content-type': 'application/yaml' }) : respond(404, '{"error":"no such digest"}');
      }
      if (method === 'POST' && /^\/api\/v1\/deployments\/[^/]+\/status$/.test(path)) return respond(200);
      if ((method === 'PUT' || method === 'DELETE') && path.startsWith('/api/v1/capabilities/')) return respond(method === 'PUT' ? 201 : 204);
      return respond(404, `no route ${method} ${path}`);
    },
  };
  return { http, files, log, state, client: createWfmClient({ baseUrl: BASE, http }) };
}

/** The WasmhostError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<WasmhostError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmhostError);
  return error as WasmhostError;
}
const reason = (error: WasmhostError) => (error.data as { reason: string }).reason;

describe('pollDeployments', () => {
  it('accepts a first manifest: every YAML fetched from the manifest URL, with its digest', async () => {
    const fm = fakeWfm();
    fm.files.set('b', bytes('kind: ApplicationDeployment\nname: b\n'));
    fm.files.set('a', bytes('kind: ApplicationDeployment\nname: a\n'));
    const result = await fm.client.pollDeployments({});
    if (!result.changed) throw new Error('expected a change');
    expect(result.manifestVersion).toBe(1n);
    expect(result.etag).toMatch(/^"sha256:[0-9a-f]{64}"$/);
    expect(result.deployments.map((d) => [d.deploymentId, d.yaml])).toEqual([
      ['a', 'kind: ApplicationDeployment\nname: a\n'], ['b', 'kind: ApplicationDeployment\nname: b\n'],
    ]);
    expect(result.deployments[0].digest).toBe(await sha256Digest(fm.files.get('a')!));
    expect(fm.log[0]).toMatchObject({ method: 'GET', url: `${BASE}/api/v1/deployments`, init: { headers: { accept: MANIFEST_MEDIA_TYPE } } });
    expect(fm.log[0].init?.headers?.['if-none-match']).toBeUndefined();
    expect(fm.log.slice(1).map((r) => r.url)).toEqual(expect.arrayContaining([`${BASE}/api/v1/deployments/a/${result.deployments[0].digest}`]));
  });

  it('sends If-None-Match and reports no change on 304, fetching nothing else', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    const first = await fm.client.pollDeployments({});
    if (!first.changed) throw new Error('expected a change');
    fm.log.length = 0;
    const again = await fm.client.pollDeployments({ lastManifestVersion: first.manifestVersion, lastEtag: first.etag });
    expect(again).toEqual({ changed: false });
    expect(fm.log).toHaveLength(1);
    expect(fm.log[0].init?.headers?.['if-none-match']).toBe(first.etag);
  });

  it('treats the same manifest resent with 200 (If-None-Match ignored) as no change', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    const first = await fm.client.pollDeployments({});
    if (!first.changed) throw new Error('expected a change');
    fm.state.intercept = (method, url, init) => { if (init?.headers) delete init.headers['if-none-match']; return undefined; };
    expect(await fm.client.pollDeployments({ lastManifestVersion: 1n, lastEtag: first.etag })).toEqual({ changed: false });
  });

  it('accepts a strictly greater version, refuses an equal or lower one and names both', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    fm.state.version = 7;
    const accepted = await fm.client.pollDeployments({ lastManifestVersion: 6n, lastEtag: '"sha256:old"' });
    expect(accepted).toMatchObject({ changed: true, manifestVersion: 7n });
    for (const version of [7, 3]) {
      fm.state.version = version;
      fm.files.set('a', bytes(`a: ${version}\n`)); // different content, so a different ETag
      const error = await failure(fm.client.pollDeployments({ lastManifestVersion: 7n, lastEtag: '"sha256:old"' }));
      expect(error.code).toBe('bad-input');
      expect(reason(error)).toBe('stale-version');
      expect(error.message).toContain(`manifestVersion ${version}, not greater than the last accepted 7`);
      expect(error.message).toContain(`${BASE}/api/v1/deployments`);
    }
  });

  it('refuses a manifestVersion above 2^53-1 (it would lock out every later update) and accepts 2^53-1', async () => {
    const fm = fakeWfm();
    for (const version of [18446744073709551615n, 9007199254740993n, 9007199254740992n]) {
      fm.state.version = version;
      const error = await failure(fm.client.pollDeployments({}));
      expect(reason(error)).toBe('malformed');
      expect(error.message).toMatch(/manifestVersion \d+ is above 9007199254740991 \(2\^53-1\), the highest this device accepts/);
    }
    fm.state.version = 9007199254740991n;
    expect(await fm.client.pollDeployments({ lastManifestVersion: 9007199254740990n })).toMatchObject({ changed: true, manifestVersion: 9007199254740991n });
  });

  it('refuses the whole manifest when one YAML does not match its digest, naming the deployment', async () => {
    const fm = fakeWfm();
    fm.files.set('good', bytes('good: 1\n'));
    fm.files.set('bad', bytes('bad: 1\n'));
    fm.state.patch.bad = { digest: await sha256Digest(bytes('something else')) };
    const error = await failure(fm.client.pollDeployments({ lastManifestVersion: undefined }));
    expect(error.code).toBe('bad-input');
    expect(reason(error)).toBe('digest-mismatch');
    expect(error.message).toContain('deployment "bad"');
    expect(error.message).toContain('whole manifest is refused');
  });

  it('accepts a size that differs from sizeBytes: rc.3 makes it an estimate, the digest is the check', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    fm.state.patch.a = { sizeBytes: 999 };
    expect(await fm.client.pollDeployments({})).toMatchObject({ changed: true, deployments: [{ deploymentId: 'a' }] });
  });

  it('treats a 404 on one YAML as a failed poll, never as a removal', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    fm.state.patch.a = { url: '/api/v1/deployments/a/sha256:0000' };
    const error = await failure(fm.client.pollDeployments({}));
    expect(error.code).toBe('io');
    expect(reason(error)).toBe('http-status');
    expect(error.message).toMatch(/deployment "a": .*GET https:\/\/wfm\.test:8443\/api\/v1\/deployments\/a\/sha256:0000 answered 404 Not Found: no such digest/);
  });

  it('refuses digests that are not lowercase sha256', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    fm.state.patch.a = { digest: `sha512:${'ab'.repeat(64)}` };
    expect(reason(await failure(fm.client.pollDeployments({})))).toBe('unsupported');
    fm.state.patch.a = { digest: `sha256:${'AB'.repeat(32)}` };
    expect(reason(await failure(fm.client.pollDeployments({})))).toBe('malformed');
  });

  it('refuses a manifest URL that leaves the fleet manager', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    for (const url of ['https://elsewhere.test/a.yaml', '//elsewhere.test/a.yaml', 'a.yaml']) {
      fm.state.patch.a = { url };
      const error = await failure(fm.client.pollDeployments({}));
      expect(error.message).toContain('.url is not an absolute path on the fleet manager');
    }
    expect(fm.log.every((r) => r.url.startsWith(BASE))).toBe(true);
  });

  it.each([
    ['not JSON', '{"manifestVersion": 1,', 'not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['no version', '{"deployments":[]}', 'manifestVersion (undefined)'],
    ['version 0', '{"manifestVersion":0,"deployments":[]}', 'manifestVersion (0)'],
    ['fractional version', '{"manifestVersion":1.5,"deployments":[]}', 'manifestVersion (1.5)'],
    ['string version', '{"manifestVersion":"2","deployments":[]}', 'manifestVersion ("2")'],
    ['no deployments', '{"manifestVersion":1}', 'deployments is missing'],
    ['entry without url', `{"manifestVersion":1,"deployments":[{"deploymentId":"a","digest":"sha256:${'0'.repeat(64)}"}]}`, '("a").url'],
    ['entry without id', '{"manifestVersion":1,"deployments":[{}]}', 'deployments[0].deploymentId'],
    ['duplicate id', `{"manifestVersion":1,"deployments":[${`{"deploymentId":"a","digest":"sha256:${'0'.repeat(64)}","url":"/x"}`},${`{"deploymentId":"a","digest":"sha256:${'0'.repeat(64)}","url":"/y"}`}]}`, 'twice'],
    ['negative sizeBytes', `{"manifestVersion":1,"deployments":[{"deploymentId":"a","digest":"sha256:${'0'.repeat(64)}","sizeBytes":-1,"url":"/x"}]}`, 'sizeBytes'],
  ])('refuses a malformed manifest: %s', async (_name, body, expected) => {
    const fm = fakeWfm();
    fm.state.body = body;
    const error = await failure(fm.client.pollDeployments({}));
    expect(error.code).toBe('bad-input');
    expect(reason(error)).toBe('malformed');
    expect(error.message).toContain(`${BASE}/api/v1/deployments`);
    expect(error.message).toContain(expected);
    expect(fm.log).toHaveLength(1);
  });

  it('accepts an empty manifest (the caller then removes everything it runs)', async () => {
    const fm = fakeWfm();
    expect(await fm.client.pollDeployments({})).toMatchObject({ changed: true, manifestVersion: 1n, deployments: [] });
  });

  it('reports a 500, a 406 and a network failure as io errors naming the URL', async () => {
    const fm = fakeWfm();
    fm.state.intercept = () => ({ status: 500, headers: {}, body: bytes('{"error":"database down"}') });
    let error = await failure(fm.client.pollDeployments({}));
    expect([error.code, reason(error)]).toEqual(['io', 'http-status']);
    expect(error.message).toBe(`GET ${BASE}/api/v1/deployments answered 500 Internal Server Error: database down`);
    fm.state.intercept = () => ({ status: 406, headers: {}, body: new Uint8Array() });
    expect((await failure(fm.client.pollDeployments({}))).message).toContain('406 Not Acceptable');
    fm.state.intercept = () => { throw new Error('connect ECONNREFUSED 10.0.0.1:8443'); };
    error = await failure(fm.client.pollDeployments({}));
    expect([error.code, reason(error)]).toEqual(['io', 'network']);
    expect(error.message).toBe(`GET ${BASE}/api/v1/deployments: connect ECONNREFUSED 10.0.0.1:8443`);
    expect((error.cause as Error).message).toContain('ECONNREFUSED');
  });

  it('refuses a signed (JWS) manifest and a 304 it did not ask for', async () => {
    const fm = fakeWfm();
    fm.state.contentType = 'application/vnd.margo.manifest.v1.jws+json';
    expect(reason(await failure(fm.client.pollDeployments({})))).toBe('unsupported');
    fm.state.intercept = () => ({ status: 304, headers: {}, body: new Uint8Array() });
    expect((await failure(fm.client.pollDeployments({}))).message).toContain('without If-None-Match');
  });

  it('refuses YAML that is not UTF-8', async () => {
    const fm = fakeWfm();
    fm.files.set('a', new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0x0a]));
    const error = await failure(fm.client.pollDeployments({}));
    expect(error.message).toContain('deployment "a"');
    expect(error.message).toContain('not valid UTF-8');
  });

  it('keeps a base path prefix for API calls and resolves manifest URLs against the origin', async () => {
    const fm = fakeWfm();
    fm.files.set('a', bytes('a: 1\n'));
    const urls: string[] = [];
    const http: HttpClient = { request: (method, url, init) => { urls.push(url); return fm.http.request(method, url.replace('/wfm/api/', '/api/'), init); } };
    const result = await createWfmClient({ baseUrl: `${BASE}/wfm/`, http }).pollDeployments({});
    expect(result).toMatchObject({ changed: true });
    expect(urls[0]).toBe(`${BASE}/wfm/api/v1/deployments`);
    expect(urls[1]).toMatch(new RegExp(`^${BASE}/api/v1/deployments/a/sha256:`));
    expect(() => createWfmClient({ baseUrl: 'wfm.test:8443', http })).toThrow(/not an http\(s\) URL/);
  });
});

describe('reports', () => {
  it('posts a DeploymentStatusManifest to the deployment status path', async () => {
    const fm = fakeWfm();
    await fm.client.reportStatus({
      deploymentId: 'a3e2f5dc-912e', deviceId: 'edge-1',
      status: { state: 'failed', error: { code: 'denied', source: 'relay', message: 'no grant' } },
      components: [{ name: 'relay', state: 'failed' }],
    }, 7n);
    const [request] = fm.log;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`${BASE}/api/v1/deployments/a3e2f5dc-912e/status`);
    expect(request.init?.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(text(request.init?.body))).toEqual({
      deploymentId: 'a3e2f5dc-912e', deviceId: 'edge-1', adoptedManifestVersion: 7,
      status: { state: 'failed', error: { code: 'denied', source: 'relay', message: 'no grant' } },
      components: [{ name: 'relay', state: 'failed' }],
    });
  });

  it('reports capabilities with PUT (rc.3 has no POST) and deregisters with DELETE, child devices as path segments', async () => {
    const fm = fakeWfm();
    const manifest = { properties: { id: 'gw/child-1' } };
    await fm.client.putCapabilities('gw/child-1', manifest);
    await fm.client.deleteCapabilities('gw/child-1');
    expect(fm.log.map((r) => [r.method, r.url])).toEqual([
      ['PUT', `${BASE}/api/v1/capabilities/gw/child-1`], ['DELETE', `${BASE}/api/v1/capabilities/gw/child-1`],
    ]);
    expect(JSON.parse(text(fm.log[0].init?.body))).toEqual(manifest);
  });

  it('refuses bad ids before sending and reports a non-2xx answer', async () => {
    const fm = fakeWfm();
    await expect(fm.client.putCapabilities('../admin', {})).rejects.toThrow(/not a Margo device id/);
    await expect(fm.client.putCapabilities('edge-1', [] as unknown as Record<string, unknown>)).rejects.toThrow(/must be a JSON object/);
    await expect(fm.client.reportStatus({ deviceId: 'x', status: { state: 'pending' }, components: [] } as never, 1n)).rejects.toThrow(/without a usable deploymentId/);
    await expect(fm.client.reportStatus({ deploymentId: 'd', deviceId: 'x', status: { state: 'pending' }, components: [] }, 0n)).rejects.toThrow(/no adopted manifest version/);
    expect(fm.log).toHaveLength(0);
    fm.state.intercept = () => ({ status: 422, headers: {}, body: bytes('{"error":"status.state must be one of pending, …"}') });
    const error = await failure(fm.client.reportStatus({ deploymentId: 'd', deviceId: 'x', status: { state: 'pending' }, components: [] }, 1n));
    expect([error.code, reason(error)]).toEqual(['io', 'http-status']);
    expect(error.message).toBe(`POST ${BASE}/api/v1/deployments/d/status answered 422 Unprocessable Content: status.state must be one of pending, …`);
  });
});
