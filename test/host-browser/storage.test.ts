// The browser's storage and fetch ports in Debian's Chromium: the Store contract and
// persistence over IndexedDB, agent state, component bytes, the artifact cache (corrupt
// entries, remote pre-transpiled artifacts), and the fetch HttpClient/PackageFetcher against
// a CORS-enabled Node server. One browser for the whole file; pages are bundled with esbuild.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBrowser } from '../../host-browser/build.mjs';
import { haveChromium, launchChromium, serveDir } from '../support/chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
const sha256 = (data: Uint8Array | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A core module exporting `add(i32, i32) -> i32`; its second-to-last byte is the `i32.add` opcode. */
const ADDER = [0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11];
/** Instantiation-mode glue of the shape jco writes, over the adder. */
const GLUE = `export async function instantiate(getCoreModule, imports, instantiateCore = WebAssembly.instantiate) {
  const instance = await instantiateCore(await getCoreModule('adder.core.wasm'), {});
  return { add: (a, b) => instance.exports.add(a, b) };
}
`;
const LOCAL = sha256('component for the local cache');
const REMOTE = sha256('component the Linux host transpiled');
const BAD_REMOTE = sha256('component whose index lies about its module');
const JUNK_REMOTE = sha256('component with a broken index');
const ABSENT = sha256('component nobody transpiled');

const STATE = {
  desired: [{
    id: 'dep-1', name: 'greenhouse', applicationId: 'app', version: '1.2.0', base: 'https://wfm.example/apps/',
    components: [{
      name: 'alarm', packageLocation: 'alarm.wasm', digest: LOCAL, grants: { keyvalue: { buckets: ['b'] }, sensors: ['*'] },
      config: { threshold: '30' }, triggers: [{ kind: 'interval', everyMs: 1000, export: 'tick', args: ['1'] }],
      limits: { callTimeoutMs: 500, memoryBytes: 1048576, isolation: 'worker' },
    }],
  }],
  installed: [],
  statuses: [{ deploymentId: 'dep-1', deviceId: 'browser-1', status: { state: 'failed', error: { code: 'io', source: 'fetch', message: 'ünïcode 😀' } }, components: [] }],
  source: { manifestVersion: '18446744073709551615', etag: '"v7"' },
};

/** A server on another origin, with CORS, for the fetch ports. */
async function corsServer(): Promise<{ url: string; server: Server }> {
  const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-multi, x-echo' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE', 'access-control-allow-headers': '*' });
        return res.end();
      }
      const status = /^\/status\/(\d+)$/.exec(path);
      if (status) {
        res.writeHead(Number(status[1]), { ...cors, 'x-multi': ['a', 'b'], 'x-hidden': 'not exposed' });
        return res.end(`status ${status[1]}`);
      }
      switch (path) {
        case '/echo':
          res.writeHead(200, { ...cors, 'content-type': 'application/json', 'x-echo': req.method });
          return res.end(JSON.stringify({ method: req.method, auth: req.headers['authorization'], type: req.headers['content-type'], body: Buffer.concat(chunks).toString() }));
        case '/gzip':
          res.writeHead(200, { ...cors, 'content-encoding': 'gzip' });
          return res.end(gzipSync('decoded by the browser'));
        case '/big':
          res.writeHead(200, cors);
          return res.end(Buffer.alloc(100_000, 1));
        case '/redirect':
          res.writeHead(302, { ...cors, location: '/echo' });
          return res.end();
        case '/hang':
          return; // never answers
        case '/hang-body':
          res.writeHead(200, cors);
          return res.write('partial'); // never ends
        case '/pkg.wasm':
          res.writeHead(200, { ...cors, 'content-type': 'application/wasm' });
          return res.end(Buffer.from(ADDER));
        default:
          res.writeHead(404, cors);
          return res.end('no such thing');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Lays out a pre-transpiled artifact as the Linux host's page server does: `<digest>/index.json` and its files. */
async function remoteArtifact(root: string, digest: string, moduleDigest: string, index?: unknown) {
  const dir = join(root, 'artifacts', digest);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.json'), JSON.stringify(index ?? { digest, glue: 'component.js', coreModules: { 'adder.core.wasm': moduleDigest } }));
  await writeFile(join(dir, 'component.js'), GLUE);
  await writeFile(join(dir, 'adder.core.wasm'), Buffer.from(ADDER));
}

describe.skipIf(!haveChromium)('browser storage and fetch ports (Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  let site: Awaited<ReturnType<typeof serveDir>>;
  let cors: { url: string; server: Server };
  let closed: string; // a port nothing listens on: connections are refused
  const log: string[] = [];

  async function open(html: 'store' | 'ports') {
    await page.goto(`${site.url}${html}.html`);
    await page.waitForFunction(() => 'storage' in globalThis || 'ports' in globalThis);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasmhost-storage-'));
    const started = Date.now();
    await bundleBrowser(
      { 'storage-store': join(here, 'pages/storage-store.ts'), 'storage-ports': join(here, 'pages/storage-ports.ts') },
      dir,
      { alias: { vitest: join(here, 'pages/storage-vitest.ts') } },
    );
    for (const name of ['store', 'ports']) await writeFile(join(dir, `${name}.html`), `<!doctype html><meta charset="utf-8"><script type="module" src="./storage-${name}.js"></script>`);
    await writeFile(join(dir, 'local.wasm'), Buffer.from(ADDER));
    await remoteArtifact(dir, REMOTE, sha256(Uint8Array.from(ADDER)));
    await remoteArtifact(dir, BAD_REMOTE, sha256('some other module'));
    await remoteArtifact(dir, JUNK_REMOTE, '', { digest: JUNK_REMOTE, glue: '../../escape.js', coreModules: {} });
    site = await serveDir(dir);
    cors = await corsServer();
    const spare = await corsServer();
    closed = spare.url;
    await new Promise((resolve) => spare.server.close(resolve));
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    console.log(`bundled and launched in ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    cors?.server.closeAllConnections();
    await new Promise((resolve) => cors?.server.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
    if (log.some((l) => l.startsWith('pageerror'))) console.log(log.join('\n'));
  });

  describe('key-value store', () => {
    it('keeps the Store contract, and after every case IndexedDB holds exactly what the store answered', async () => {
      await open('store');
      const results = await page.evaluate(() => (globalThis as any).storage.runContract()) as { name: string; ok: boolean; error?: string }[];
      expect(results.length).toBe(15); // every case of test/contracts/store.contract.ts
      expect(results.filter((r) => !r.ok)).toEqual([]);
    });

    it('persists across a reload after flush: values, deletes, counters, CAS, paging, namespaces apart', async () => {
      await open('store');
      await page.evaluate(() => (globalThis as any).storage.writeSample('persist'));
      await page.reload();
      await page.waitForFunction(() => 'storage' in globalThis);
      const read = await page.evaluate(() => (globalThis as any).storage.readSample('persist'));
      expect(read).toEqual({
        mode1: 'eco', mode2: 'turbo', gone: false, lock: 'held', n: '7', next: '8', casStale: false, casHeld: true,
        otherNs: [], cfg1: ['lock', 'mode'], manyCount: 250, manyFirst: 'k000', manyLast: 'k249', raw: [255, 9],
      });
      await page.reload();
      await page.waitForFunction(() => 'storage' in globalThis);
      const again = await page.evaluate(() => (globalThis as any).storage.readSample('persist'));
      expect([again.n, again.lock]).toEqual(['8', 'taken']); // the reads' own writes were flushed too
    });

    it('reports a failed write-behind, rejects flush and refuses later writes', async () => {
      await open('store');
      const out = await page.evaluate(() => (globalThis as any).storage.failingWrite());
      expect(out.reported).toHaveLength(1);
      expect(out.reported[0]).toMatch(/^io: writing key-value data to IndexedDB database "failing" failed.*InvalidStateError/);
      expect(out.flushError).toBe(out.reported[0]);
      expect(out.writeError).toMatch(/^io: the key-value store no longer accepts writes/);
      expect(out.stillReads).toBe('2');
      expect(out.again).toBe('rejected');
    });

    it('measures writes answered from memory, their flush, and loading at open', async () => {
      await open('store');
      for (const durability of ['strict', 'relaxed']) {
        const t = await page.evaluate((d) => (globalThis as any).storage.timing(10_000, d), durability);
        expect(t.loaded).toBe(10_000);
        console.log(
          `IdbStore ${durability}: 10k sets ${t.setMs.toFixed(1)} ms (memory store ${t.memorySetMs.toFixed(1)} ms), ` +
            `flush ${t.flushMs.toFixed(1)} ms (raw IndexedDB, same puts in one transaction: ${t.rawPutMs.toFixed(1)} ms), ` +
            `one awaited write+flush ${t.flushEachMs.toFixed(2)} ms, open with 10k keys ${t.loadMs.toFixed(1)} ms (raw getAllKeys+getAll of them: ${t.rawLoadMs.toFixed(1)} ms)`,
        );
      }
    });
  });

  describe('agent ports', () => {
    it('saves agent state and loads it after a reload; a spoilt state is a clear error', async () => {
      await open('ports');
      expect(await page.evaluate(() => (globalThis as any).ports.loadState('agent'))).toEqual({});
      await page.evaluate((s) => (globalThis as any).ports.saveState('agent', s), STATE);
      await page.reload();
      await page.waitForFunction(() => 'ports' in globalThis);
      expect(await page.evaluate(() => (globalThis as any).ports.loadState('agent'))).toEqual({ state: STATE });
      await page.evaluate(() => (globalThis as any).ports.spoilState('agent'));
      const spoilt = await page.evaluate(() => (globalThis as any).ports.loadState('agent'));
      expect(spoilt.error).toMatch(/^bad-input: agent state "state" in IndexedDB database "agent" is not valid JSON/);
    });

    it('keeps component bytes by digest (just the view, not its whole buffer)', async () => {
      await open('ports');
      await page.evaluate((d) => (globalThis as any).ports.putComponent('components', d, [1, 2, 3]), LOCAL);
      await page.reload();
      await page.waitForFunction(() => 'ports' in globalThis);
      expect(await page.evaluate((d) => (globalThis as any).ports.getComponent('components', d), LOCAL)).toEqual({ data: [1, 2, 3], isBytes: true, bufferLength: 3 });
      expect(await page.evaluate((d) => (globalThis as any).ports.getComponent('components', d), ABSENT)).toBeUndefined();
    });
  });

  describe('artifact cache', () => {
    it('round-trips an artifact: the glue imports from a Blob URL and runs its core module', async () => {
      await open('ports');
      expect(await page.evaluate(([d, g, m]) => (globalThis as any).ports.putArtifact('artifacts', d, g, m), [LOCAL, GLUE, { 'adder.core.wasm': ADDER }] as const)).toEqual({ result: 42 });
      await page.reload();
      await page.waitForFunction(() => 'ports' in globalThis);
      const got = await page.evaluate((d) => (globalThis as any).ports.getArtifact('artifacts', d), LOCAL);
      expect(got).toMatchObject({ found: true, result: 42, glue: GLUE, modules: { 'adder.core.wasm': ADDER.length }, stored: true, corrupt: [] });
      expect(got.missingModule).toBeUndefined();
      expect(await page.evaluate((d) => (globalThis as any).ports.getArtifact('artifacts', d), ABSENT)).toMatchObject({ found: false, stored: false, corrupt: [], outcomes: [] });
    });

    it.each([
      ['module', /core module adder.core.wasm does not match its checksum/],
      ['glue', /the glue does not match its checksum/],
      ['missing', /core module adder.core.wasm is missing/],
      ['junk', /not an artifact entry/],
    ] as const)('drops an entry whose %s was damaged in IndexedDB, and says why', async (how, reason) => {
      await open('ports');
      const name = `corrupt-${how}`;
      await page.evaluate(([n, d, g, m]) => (globalThis as any).ports.putArtifact(n, d, g, m), [name, LOCAL, GLUE, { 'adder.core.wasm': ADDER }] as const);
      await page.evaluate(([n, d, h]) => (globalThis as any).ports.corruptArtifact(n, d, h), [name, LOCAL, how] as const);
      const got = await page.evaluate(([n, d]) => (globalThis as any).ports.getArtifact(n, d), [name, LOCAL] as const);
      expect(got).toMatchObject({ found: false, stored: false });
      expect(got.corrupt).toHaveLength(1);
      expect(got.corrupt[0]).toMatch(reason);
    });

    it('fetches a pre-transpiled artifact from the Linux host, verifies and stores it; a 404 or a lying index gives undefined', async () => {
      await open('ports');
      const fetched = await page.evaluate((d) => (globalThis as any).ports.getArtifact('remote', d, '/artifacts/'), REMOTE);
      expect(fetched).toMatchObject({ found: true, result: 42, glue: GLUE, stored: true, outcomes: [`${REMOTE} fetched`] });
      const cached = await page.evaluate((d) => (globalThis as any).ports.getArtifact('remote', d), REMOTE); // no remote: from IndexedDB
      expect(cached).toMatchObject({ found: true, result: 42, outcomes: [] });

      const absent = await page.evaluate((d) => (globalThis as any).ports.getArtifact('remote', d, '/artifacts/'), ABSENT);
      expect(absent).toMatchObject({ found: false, stored: false, outcomes: [`${ABSENT} absent`] });

      const lying = await page.evaluate((d) => (globalThis as any).ports.getArtifact('remote', d, '/artifacts/'), BAD_REMOTE);
      expect(lying).toMatchObject({ found: false, stored: false });
      expect(lying.outcomes[0]).toMatch(new RegExp(`^${BAD_REMOTE} failed cache-corrupt: .*/artifacts/${BAD_REMOTE}/adder.core.wasm is sha256:[0-9a-f]{64}, but .* says ${sha256('some other module')}`));

      const junk = await page.evaluate((d) => (globalThis as any).ports.getArtifact('remote', d, '/artifacts/'), JUNK_REMOTE);
      expect(junk).toMatchObject({ found: false, stored: false });
      expect(junk.outcomes[0]).toMatch(/failed bad-input: .*index.json is not an artifact index/);

      const down = await page.evaluate(([d, r]) => (globalThis as any).ports.getArtifact('remote', d, r), [ABSENT, `${closed}artifacts/`] as const);
      expect(down.outcomes[0]).toMatch(new RegExp(`failed io: cannot fetch ${closed}artifacts/${ABSENT}/index.json`));
    });
  });

  describe('fetch ports', () => {
    const request = (method: string, path: string, init: object = {}, options?: object) =>
      page.evaluate(([m, u, i, o]) => (globalThis as any).ports.request(m, u, i, o), [method, /^[a-z]+:/.test(path) ? path : cors.url + path.replace(/^\//, ''), init, options] as const);

    it('resolves any status with lower-cased, joined, exposed headers; sends method, headers and body', async () => {
      await open('ports');
      for (const status of [200, 204, 304, 404, 500]) {
        const res = await request('GET', `/status/${status}`);
        expect(res.status).toBe(status);
        if (status !== 204 && status !== 304) expect(res.body).toBe(`status ${status}`);
        expect(res.headers['x-multi']).toBe('a, b');
        expect(res.headers['x-hidden']).toBeUndefined(); // CORS: not exposed
      }
      const echo = await request('PUT', '/echo', { headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' }, body: '{"a":1}' });
      expect(echo.status).toBe(200);
      expect(JSON.parse(echo.body)).toEqual({ method: 'PUT', auth: 'Bearer t', type: 'application/json', body: '{"a":1}' });
      expect(echo.headers).toMatchObject({ 'x-echo': 'PUT', 'content-type': 'application/json' });
      expect((await request('GET', '/gzip')).body).toBe('decoded by the browser');
      expect(await request('GET', '/redirect')).toMatchObject({ status: 0, headers: {}, body: '' });
    });

    it('rejects with io naming the URL on a refused connection, a timeout (head or body), or a body over the limit', async () => {
      await open('ports');
      const refused = await request('GET', `${closed}x`);
      expect(refused.error).toMatch(new RegExp(`^io: GET ${closed}x: network error`));
      const hang = await request('GET', '/hang', {}, { timeoutMs: 300 });
      expect(hang.error).toBe(`io: GET ${cors.url}hang: no complete response within 300 ms`);
      expect(hang.ms).toBeGreaterThanOrEqual(290);
      expect(hang.ms).toBeLessThan(3000);
      expect((await request('GET', '/hang-body', {}, { timeoutMs: 300 })).error).toBe(`io: GET ${cors.url}hang-body: no complete response within 300 ms`);
      expect((await request('GET', '/big', {}, { maxBytes: 10_000 })).error).toBe(`io: GET ${cors.url}big: response body over 10000 bytes; refused`);
      expect((await request('GET', '/big', {}, { maxBytes: 100_000 })).status).toBe(200);
      expect((await request('GET', 'ftp://example.com/x')).error).toMatch(/unsupported protocol ftp:/);
    });

    it('fetches packages by absolute URL, relative to a manifest URL, relative to the page, and data: URLs; non-2xx names URL and status', async () => {
      await open('ports');
      const fetchPackage = (location: string, base?: string) => page.evaluate(([l, b]) => (globalThis as any).ports.fetchPackage(l, b), [location, base] as const);
      expect(await fetchPackage(`${cors.url}pkg.wasm`)).toEqual({ data: ADDER });
      expect(await fetchPackage('../pkg.wasm', `${cors.url}manifests/app.yaml`)).toEqual({ data: ADDER });
      expect(await fetchPackage('local.wasm')).toEqual({ data: ADDER });
      expect(await fetchPackage(`data:application/wasm;base64,${Buffer.from(ADDER).toString('base64')}`)).toEqual({ data: ADDER });
      expect((await fetchPackage('missing.wasm', `${cors.url}manifests/`)).error).toBe(`io: cannot fetch package ${cors.url}manifests/missing.wasm: HTTP 404`);
      expect((await fetchPackage(`${closed}p.wasm`)).error).toMatch(new RegExp(`^io: cannot fetch package ${closed}p.wasm: `));
      expect((await fetchPackage('file:///etc/passwd')).error).toMatch(/^io: cannot fetch package file:\/\/\/etc\/passwd: the browser host fetches http\(s\), data: and blob: URLs only/);
    });
  });
});
