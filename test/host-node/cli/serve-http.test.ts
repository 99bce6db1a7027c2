// `wasmhost serve-http` as an author runs it: a real process, a real HTTP client (fetch), the
// hand-written handler in test/fixtures/http/echo.wat.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpEchoPath } from '../../support/http-fixture.js';

const BIN = fileURLToPath(new URL('../../../bin/wasmhost.js', import.meta.url));
const servers: ChildProcess[] = [];
let stderr = '';

/** Starts `wasmhost serve-http` on a free port and resolves with its URL. */
async function serveHttp(args: string[]): Promise<string> {
  const env = { ...process.env, WASMHOST_CACHE_DIR: join(await mkdtemp(join(tmpdir(), 'wasmhost-serve-http-')), 'cache') };
  const child = spawn(process.execPath, [BIN, 'serve-http', await httpEchoPath(), '--listen', '127.0.0.1:0', ...args], { env });
  servers.push(child);
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /serving \S+ on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.on('exit', (code) => reject(new Error(`serve-http exited (${code}): ${stderr}`)));
  });
}

/** Sends requests until one answers 200 (the instance restarts after a failure, with backoff). */
async function until200(url: string): Promise<Response> {
  for (;;) {
    const response = await fetch(url);
    if (response.status === 200) return response;
    expect(response.status).toBe(503);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let url: string;
beforeAll(async () => {
  url = await serveHttp(['--timeout-ms', '1500', '--max-body', '4096', '--max-concurrent', '2']);
}, 60_000);
afterAll(() => { for (const child of servers) child.kill('SIGTERM'); });

describe('wasmhost serve-http', () => {
  it('answers GET with the status, headers and body the handler set', async () => {
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('gives the handler a POST body and headers, streamed back through its body streams', async () => {
    const body = new Uint8Array(3000).map((_, i) => i % 251);
    const response = await fetch(`${url}/echo?x=1`, { method: 'POST', body, headers: { 'x-in': 'from the client' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-echo')).toBe('from the client');
    expect(response.headers.get('x-path')).toBe('/echo?x=1');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(body);
  });

  it('refuses a body past --max-body with 413, declared or streamed, without calling the handler', async () => {
    expect((await fetch(`${url}/echo`, { method: 'POST', body: new Uint8Array(5000) })).status).toBe(413);
    const chunks = new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(1000)); c.close(); } });
    expect((await fetch(`${url}/echo`, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)).status).toBe(413);
    expect((await fetch(`${url}/`)).status).toBe(200);
  });

  it('answers a trapping handler with 500, restarts it, and serves the next requests', async () => {
    const trapped = await fetch(`${url}/trap`);
    expect(trapped.status).toBe(500);
    expect(await (await until200(`${url}/`)).text()).toBe('hello');
    expect(stderr).toMatch(/stopped: .*#handle trapped: .*unreachable/);
  });

  it('answers a handler past its deadline with 504, a request past --max-concurrent with 503, and then serves again', async () => {
    const slow = fetch(`${url}/loop`);
    const queued = fetch(`${url}/`);
    await new Promise((r) => setTimeout(r, 200));
    const refused = await fetch(`${url}/`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await slow).status).toBe(504);
    expect((await queued).status).toBe(503); // it waited behind the stopped call and never ran
    await until200(`${url}/`);
  });
});

describe('wasmhost serve-http refusals', () => {
  it('refuses a component that is no HTTP handler, naming what to do', async () => {
    const { wasmhost } = await import('./run-cli.js');
    const result = wasmhost(['serve-http', fileURLToPath(new URL('../../../examples/hello-command-c/hello.wasm', import.meta.url)), '--listen', '127.0.0.1:0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not export wasi:http\/incoming-handler.*wasmhost run/);
  });
});
