// The Node HTTP client against a hostile server on 127.0.0.1: every body is bounded while it
// streams (received and decoded), every exchange has a total deadline, and a signal aborts it.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpClient } from '../../host-node/https-client.js';
import { WasmhostError } from '../../src/errors.js';
import { createCanceller } from '../../src/deploy/cancel.js';
import { bytesRoute, endlessRoute, gzipBombRoute, slowLorisRoute, startHostileServer, type HostileServer } from '../support/hostile-http-server.js';

const MiB = 1024 * 1024;
let server: HostileServer;

beforeAll(async () => {
  server = await startHostileServer({
    '/zero': endlessRoute(),
    '/loris': slowLorisRoute(),
    '/bomb': gzipBombRoute(),
    '/liar': bytesRoute(new Uint8Array(10), { 'content-length': String(512 * MiB) }),
    '/small.gz': bytesRoute(gzipSync(Buffer.from('{"ok":true}')), { 'content-encoding': 'gzip' }),
    '/garbage.gz': bytesRoute(Buffer.from('this is not gzip at all'), { 'content-encoding': 'gzip' }),
  });
});
afterAll(() => server.close());

async function failure(promise: Promise<unknown>): Promise<WasmhostError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WasmhostError);
  return error as WasmhostError;
}

describe('createNodeHttpClient budgets', () => {
  it('cuts an endless body at the cap: the server could write only a little past it', async () => {
    const http = createNodeHttpClient();
    const rss = process.memoryUsage().rss;
    const error = await failure(http.request('GET', `${server.url}/zero`, { maxBytes: 4 * MiB }));
    expect(error.code).toBe('io');
    expect(error.data).toMatchObject({ reason: 'too-large', url: `${server.url}/zero` });
    expect(error.message).toBe(`GET ${server.url}/zero: response body over ${4 * MiB} bytes; refused`);
    await new Promise((r) => setTimeout(r, 200));
    // Socket buffers on both sides hold a few MiB at most; without the cap this grows for ever.
    expect(server.stats('/zero').bytesWritten).toBeLessThan(4 * MiB + 16 * MiB);
    expect(server.stats('/zero').closedEarly).toBe(1);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * MiB);
  });

  it('never decodes a 1 MiB gzip bomb past the cap (1 GiB decoded before the fix)', async () => {
    const http = createNodeHttpClient(); // the default cap, 16 MiB
    const before = process.memoryUsage().rss;
    const error = await failure(http.request('GET', `${server.url}/bomb`));
    expect(error.data).toMatchObject({ reason: 'too-large' });
    expect(error.message).toMatch(/response body over 16777216 bytes once decoded; refused$/);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * MiB);
  });

  it('gives up on a slow-loris server at the total deadline, not an idle timeout', async () => {
    const http = createNodeHttpClient({ timeoutMs: 60_000 });
    // One byte a second never leaves the connection idle for long; the deadline still ends it.
    const error = await failure(http.request('GET', `${server.url}/loris`, { timeoutMs: 2500 }));
    expect(error.data).toMatchObject({ reason: 'timeout' });
    expect(error.message).toBe(`GET ${server.url}/loris: no complete response within 2500 ms`);
  });

  it('aborts on its signal, and refuses a declared content-length over the cap before reading', async () => {
    const http = createNodeHttpClient();
    const canceller = createCanceller();
    const pending = failure(http.request('GET', `${server.url}/loris`, { signal: canceller.signal }));
    await new Promise((r) => setTimeout(r, 300));
    canceller.cancel();
    expect((await pending).data).toMatchObject({ reason: 'aborted' });
    const liar = await failure(http.request('GET', `${server.url}/liar`, { maxBytes: MiB }));
    expect(liar.message).toMatch(/over 1048576 bytes \(content-length 536870912\); refused$/);
  });

  it('still decodes an ordinary gzip body, and reports a broken one clearly', async () => {
    const http = createNodeHttpClient();
    const res = await http.request('GET', `${server.url}/small.gz`);
    expect(new TextDecoder().decode(res.body)).toBe('{"ok":true}');
    const error = await failure(http.request('GET', `${server.url}/garbage.gz`));
    expect(error.message).toMatch(/cannot decode the body: incorrect header check/);
  });
});
