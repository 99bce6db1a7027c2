// `wasmhost serve-http` as an author runs it: a real process, a real HTTP client (fetch), the
// hand-written handler in test/fixtures/http/echo.wat.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('refuses a declared body past --max-body with 413 without calling the handler, and cuts off one that streams past it', async () => {
    expect((await fetch(`${url}/echo`, { method: 'POST', body: new Uint8Array(5000) })).status).toBe(413);
    // Streamed: the echo handler sets its response before it reads the body. Past the cap it gets
    // a 413 if nothing of its answer went out yet (the head waits for the first chunk), else the
    // connection is cut: never a whole 200 made from a truncated body.
    const chunks = new ReadableStream({ start(c) { for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(1000)); c.close(); } });
    const outcome = await fetch(`${url}/echo`, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)
      .then(async (r) => (r.status === 413 ? '413' : (await r.arrayBuffer(), `whole ${r.status}`)))
      .catch(() => 'cut');
    expect(['413', 'cut']).toContain(outcome);
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

/** A loopback HTTP server answering 201 with a fixed body; its origin. */
async function upstream(text: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => { res.statusCode = 201; res.end(text); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('outgoing HTTP from a served component', () => {
  it('reaches an origin the http grant allows, and gets HTTP-request-denied (an error-code, no trap) for any other', async () => {
    const allowed = await upstream('upstream says hi');
    const other = await upstream('never reached');
    try {
      const granted = await serveHttp(['--grant', `http=http://${allowed.origin}`]);
      const ok = await fetch(`${granted}/fetch`, { headers: { 'x-authority': allowed.origin, 'x-target': '/x?y=1' } });
      expect(ok.status).toBe(201);
      expect(await ok.text()).toBe('upstream says hi');
      const refused = await fetch(`${granted}/fetch`, { headers: { 'x-authority': other.origin, 'x-target': '/' } });
      expect(refused.status).toBe(502);
      expect(refused.headers.get('x-error-code')).toBe('15'); // error-code.HTTP-request-denied
      // Without any http grant (the first server), every request is refused the same way.
      const ungranted = await fetch(`${url}/fetch`, { headers: { 'x-authority': allowed.origin, 'x-target': '/' } });
      expect(ungranted.headers.get('x-error-code')).toBe('15');
      // A refusal is an answer, not a trap: the instance never restarted.
      expect((await fetch(`${granted}/`)).status).toBe(200);
      expect(stderr).not.toMatch(/fetch.*trapped/);
    } finally {
      allowed.server.close();
      other.server.close();
    }
  }, 60_000);
});

describe('wasmhost check on an HTTP component', () => {
  it('says it is served and which origins its outgoing requests may reach', async () => {
    const { wasmhost } = await import('./run-cli.js');
    const path = await httpEchoPath();
    const denied = wasmhost(['check', path]);
    expect(denied.code).toBe(0);
    expect(denied.stdout).toMatch(/serves HTTP: with `wasmhost serve-http`, or as a deployment with an http trigger/);
    expect(denied.stdout).toMatch(/outgoing HTTP: every request gets HTTP-request-denied \(no http grant/);
    const granted = wasmhost(['check', path, '--grant', 'http=HTTPS://API.example.com:443,http://127.0.0.1:8080', '--json']);
    expect(JSON.parse(granted.stdout).http).toEqual({ serves: true, outgoing: ['https://api.example.com', 'http://127.0.0.1:8080'] });
    expect(wasmhost(['check', path, '--grant', 'http=https://api.example.com/v1']).stderr).toMatch(/--grant http: 'https:\/\/api.example.com\/v1' is no origin/);
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
