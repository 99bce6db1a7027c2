// Bounded fuzzing of what a fleet manager may answer (issue 11): a raw TCP server on 127.0.0.1
// answers each request with random bytes shaped like HTTP — any status, odd headers, bodies that
// are mutated manifests, random bytes, broken gzip, lies about their length, or nothing at all.
// The fleet-manager client over the Node HTTP client must resolve or reject with a WasmhostError
// every time, within its deadline, with memory bounded.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpClient } from '../../host-node/https-client.js';
import { createWfmClient } from '../../src/deploy/wfm-client.js';
import { WasmhostError } from '../../src/errors.js';
import { mutateDocument, mutateText, seeded, type Random } from '../support/fuzz-random.js';

const YAML = Buffer.from('kind: ApplicationDeployment\nid: a\n');
const DIGEST = `sha256:${createHash('sha256').update(YAML).digest('hex')}`;
const MANIFEST = { manifestVersion: 5, bundle: null, deployments: [{ deploymentId: 'a', digest: DIGEST, sizeBytes: YAML.length, url: `/api/v1/deployments/a/${DIGEST}` }] };
const STATUSES = [200, 200, 200, 201, 204, 206, 301, 304, 400, 404, 406, 422, 429, 500, 503, 0, 99, 600, 999];

let r: Random = seeded(1);
let server: Server;
let base: string;
const sockets = new Set<Socket>();

/** One random answer (raw bytes), or undefined to close at once; `hang` keeps the socket silent. */
function answer(path: string): Buffer | undefined | 'hang' {
  if (r.int(3) === 0) {
    // A faithful answer now and then, so that whole polls succeed too.
    const body = path.startsWith('/api/v1/deployments/') ? YAML : Buffer.from(JSON.stringify(MANIFEST));
    return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/vnd.margo.manifest.v1+json\r\netag: "e${r.int(3)}"\r\ncontent-length: ${body.length}\r\n\r\n`), body]);
  }
  const kind = r.int(20);
  if (kind === 0) return undefined;
  if (kind === 1) return 'hang';
  if (kind === 2) return Buffer.from(mutateText('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello', r));
  if (kind === 3) return Buffer.from(r.bytes(r.int(300)));
  let body: Buffer;
  if (path.startsWith('/api/v1/deployments/')) body = r.int(3) === 0 ? Buffer.from(mutateText(YAML.toString(), r)) : YAML;
  else body = Buffer.from(r.int(2) === 0 ? mutateText(JSON.stringify(MANIFEST), r) : JSON.stringify(mutateDocument(MANIFEST, r)));
  const headers: string[] = [];
  const encoding = r.int(6);
  if (encoding === 0) { body = gzipSync(body); headers.push('content-encoding: gzip'); }
  if (encoding === 1) { body = gzipSync(body).subarray(0, r.int(body.length)); headers.push('content-encoding: gzip'); }
  if (encoding === 2) headers.push(`content-encoding: ${r.pick(['br', 'deflate', 'zstd', 'gzip, gzip', ''])}`);
  if (r.int(3) > 0) headers.push(`content-type: ${r.pick(['application/vnd.margo.manifest.v1+json', 'application/jose+jws', 'text/html', 'application/yaml', ''])}`);
  if (r.int(2)) headers.push(`etag: ${r.pick(['"e"', '"d"', '', 'W/"x"', '"'.repeat(200)])}`);
  const length = r.int(5);
  if (length === 0) headers.push('transfer-encoding: chunked');
  else if (length === 1) headers.push(`content-length: ${r.pick([0, 1, body.length + 10, 2 ** 40, -1])}`);
  else headers.push(`content-length: ${body.length}`);
  if (length === 0) body = Buffer.concat([Buffer.from(`${r.pick([body.length.toString(16), 'zz', '-1', 'ffffffffffff'])}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${r.pick(STATUSES)} X\r\n${headers.join('\r\n')}\r\n\r\n`), body]);
}

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '/';
      head = '';
      const out = answer(path);
      if (out === 'hang') return;
      if (out === undefined) return void socket.destroy();
      socket.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

describe('fleet-manager client against random HTTP answers', () => {
  it('resolves or rejects with a WasmhostError every time, memory bounded', async () => {
    const client = createWfmClient({ baseUrl: base, http: createNodeHttpClient({ timeoutMs: 300 }) });
    const rss = process.memoryUsage().rss;
    const seen = { changed: 0, unchanged: 0, refused: new Map<string, number>() };
    const end = Date.now() + 5000;
    for (let i = 0; i < 400 && Date.now() < end; i++) {
      r = seeded(0xf00d + i);
      const status = { deploymentId: 'a', deviceId: 'd', status: { state: 'installed' as const }, components: [] };
      for (const call of [() => client.pollDeployments(r.int(2) ? {} : { lastManifestVersion: 4n, lastEtag: '"e"' }), () => client.reportStatus(status, 1n)]) {
        try {
          const result = await call();
          if (result && typeof result === 'object' && 'changed' in result) seen[result.changed ? 'changed' : 'unchanged']++;
        } catch (error) {
          if (!(error instanceof WasmhostError)) throw new Error(`seed ${0xf00d + i}: ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
          const reason = String((error.data as { reason?: string } | undefined)?.reason ?? error.code);
          seen.refused.set(reason, (seen.refused.get(reason) ?? 0) + 1);
        }
      }
    }
    expect(seen.changed + seen.unchanged).toBeGreaterThan(0);
    expect([...seen.refused.keys()]).toEqual(expect.arrayContaining(['malformed', 'http-status', 'network']));
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });
});
