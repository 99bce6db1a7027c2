// Streamed bodies between a real client, the listener and a handler in its worker: the echo
// handler (test/fixtures/http/echo.wat) copies the request body to the response chunk by chunk,
// so with streaming the client gets back its first chunk while its request is still open. With
// bodies buffered whole on either side, that first chunk could never come back before the end.
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp, type HttpListener } from '../../host-node/http-listener.js';
import { createNodeHost } from '../../host-node/node-host.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { createNodeHttpOutgoingProvider } from '../../host-node/http-send.js';
import type { IsolatedWorkload } from '../../src/runtime/isolated-workload.js';
import { DEFAULT_HTTP_LIMITS } from '../../src/runtime/http-limits.js';
import type { HttpRequestData, HttpResponseData } from '../../src/runtime/http-types.js';
import { httpEchoPath } from '../support/http-fixture.js';

let listener: HttpListener;
let workload: IsolatedWorkload;
beforeAll(async () => {
  const host = createNodeHost({ cacheDir: await mkdtemp(join(tmpdir(), 'wasmhost-http-stream-')), providers: [createWasiProvider(), createNodeHttpOutgoingProvider()] });
  const component = await host.load(await readFile(await httpEchoPath()));
  workload = await host.startIsolated(component, { name: 'echo', config: {}, grants: {}, limits: { callTimeoutMs: 20_000, memoryBytes: 64 * 2 ** 20 } });
  listener = await listenHttp('127.0.0.1', 0, () => ({
    name: 'echo', limits: { ...DEFAULT_HTTP_LIMITS, maxBodyBytes: 1 << 20 },
    handle: (r: HttpRequestData) => workload.call('wasi:http/incoming-handler#handle', r) as Promise<HttpResponseData>,
  }));
}, 60_000);
afterAll(async () => {
  await listener?.close();
  await workload?.close();
});

/** The next chunk of `res` as text, or 'the end'. */
async function nextChunk(res: IncomingMessage): Promise<string> {
  const [value] = await Promise.race([once(res, 'data'), once(res, 'end').then(() => ['the end'])]);
  return value.toString();
}

describe('streamed HTTP bodies', () => {
  it('echoes the first request chunk back before the client has sent the end of its request', async () => {
    const req = request(`${listener.url}/echo`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', 'x-in': 'streaming' } });
    req.flushHeaders();
    req.write('first chunk;');
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-echo']).toBe('streaming');
    // The request is still open (no end sent): this chunk came back through the handler while it read.
    expect(await nextChunk(res)).toBe('first chunk;');
    req.write('second chunk;');
    expect(await nextChunk(res)).toBe('second chunk;');
    req.end('last');
    let rest = '';
    for await (const chunk of res) rest += chunk.toString();
    expect(rest).toBe('last');
  }, 30_000);

  it('cuts the connection when the body passes its cap after the answer started (no 413 can follow a sent head)', async () => {
    const small = await listenHttp('127.0.0.1', 0, () => ({
      name: 'echo', limits: { ...DEFAULT_HTTP_LIMITS, maxBodyBytes: 32 },
      handle: (r: HttpRequestData) => workload.call('wasi:http/incoming-handler#handle', r) as Promise<HttpResponseData>,
    }));
    try {
      const req = request(`${small.url}/echo`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
      req.on('error', () => {});
      req.write('x'.repeat(20));
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      expect(await nextChunk(res)).toBe('x'.repeat(20));
      req.write('y'.repeat(20)); // 40 bytes: past the cap of 32
      const ending = await new Promise<string>((resolve) => {
        res.on('data', () => {});
        res.on('end', () => resolve('a whole response'));
        res.on('error', () => resolve('cut'));
        res.on('close', () => resolve(res.complete ? 'a whole response' : 'cut'));
      });
      expect(ending).toBe('cut');
    } finally {
      await small.close();
    }
  }, 30_000);

  it('keeps serving whole requests the same way (a large body in many chunks comes back whole)', async () => {
    const body = Buffer.alloc(300_000, 'abcdefghij');
    const response = await fetch(`${listener.url}/echo`, { method: 'POST', body });
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
  }, 30_000);
});

describe('response trailers', () => {
  it('sends the trailers the handler finished its body with, after the body', async () => {
    const req = request(`${listener.url}/rtrailer`);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let body = '';
    for await (const chunk of res) body += chunk.toString();
    expect(res.statusCode).toBe(200);
    expect(body).toBe('hello');
    expect(res.trailers).toEqual({ 'x-trailer': 'done' });
  }, 30_000);
});
