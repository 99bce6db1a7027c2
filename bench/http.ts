// HTTP workloads: requests/s and p50/p99 latency of the hand-written hello handler
// (test/fixtures/http/echo.wat) served as `serve-http` and the agent serve it (a worker per
// workload, the request handled inside it), beside bare node:http answering the same bytes and
// `jco serve` of the same component, in the same run, through the same keep-alive client.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { createNodeHost } from '../host-node/node-host.js';
import { createWasiProvider } from '../host-node/wasi-provider.js';
import { listenHttp } from '../host-node/http-listener.js';
import { createNodeHttpOutgoingProvider } from '../host-node/http-send.js';
import { DEFAULT_HTTP_LIMITS } from '../src/runtime/http-limits.js';
import type { HttpRequestData, HttpResponseData } from '../src/runtime/http-types.js';
import { median, row } from './measure.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function buildEcho(): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-http-'));
  await cp(join(ROOT, 'test/fixtures/http/wit/world.wit'), join(dir, 'world.wit'));
  for (const dep of ['http', 'io', 'clocks', 'cli', 'random', 'filesystem', 'sockets']) await cp(join(ROOT, 'wit/deps', dep), join(dir, 'deps', dep), { recursive: true });
  const wat = await readFile(join(ROOT, 'test/fixtures/http/echo.wat'), 'utf8');
  return componentNew(await componentEmbed({ binary: await parse(wat), witPath: dir, world: 'http-echo' }));
}

/** Sends `count` GETs with `inFlight` at a time over keep-alive; latencies in µs and requests/s. */
async function load(url: string, count: number, inFlight: number): Promise<{ rps: number; p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const latencies: number[] = [];
  const one = () => new Promise<void>((resolve, reject) => {
    const t0 = performance.now();
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => { latencies.push((performance.now() - t0) * 1000); resolve(); });
    }).on('error', reject).end();
  });
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => { while (sent++ < count) await one(); }));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: count / seconds, p50: median(latencies), p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

/** A free loopback port (jco serve takes a fixed one). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `jco serve <file> --port <p>` as a child process, once it listens; its URL and how to stop it. */
async function jcoServe(file: string): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const cli = fileURLToPath(new URL('./jco.js', import.meta.resolve('@bytecodealliance/jco')));
  const child = spawn(process.execPath, [cli, 'serve', file, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => { out += d.toString(); if (/listening/i.test(out)) resolve(); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`jco serve exited (${code}): ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => { child.kill('SIGKILL'); child.stdout!.destroy(); child.stderr!.destroy(); } };
}

export async function httpBench(requests = Number(process.env.WASMHOST_BENCH_HTTP_REQUESTS ?? 5000)): Promise<string[]> {
  const bare = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const host = createNodeHost({ cacheDir: await mkdtemp(join(tmpdir(), 'wasmhost-bench-http-cache-')), providers: [createWasiProvider(), createNodeHttpOutgoingProvider()] });
  const bytes = await buildEcho();
  const component = await host.load(bytes);
  const file = join(await mkdtemp(join(tmpdir(), 'wasmhost-bench-http-file-')), 'hello.wasm');
  await writeFile(file, bytes);
  const jco = await jcoServe(file);
  const workload = await host.startIsolated(component, { name: 'hello', config: {}, grants: {}, limits: { callTimeoutMs: 10_000, memoryBytes: 64 * 2 ** 20 } });
  const path = 'wasi:http/incoming-handler@0.2.12#handle';
  const listener = await listenHttp('127.0.0.1', 0, () => ({
    name: 'hello', limits: { ...DEFAULT_HTTP_LIMITS, maxConcurrent: 1024 }, handle: (r: HttpRequestData) => workload.call(path, r) as Promise<HttpResponseData>,
  }));
  const lines = [`HTTP: GET / → 200 "hello", ${requests} requests over keep-alive, the hand-written WAT handler in a worker`];
  try {
    for (const inFlight of [1, 16]) {
      for (const url of [bareUrl, `${listener.url}/`, jco.url]) await load(url, 500, inFlight);
      const base = await load(bareUrl, requests, inFlight);
      const wasm = await load(`${listener.url}/`, requests, inFlight);
      const jcoRun = await load(jco.url, requests, inFlight);
      lines.push(
        row(`bare node:http, ${inFlight} in flight`, base.rps, 'req/s'),
        row(`wasmhost serve-http (worker), ${inFlight} in flight`, wasm.rps, 'req/s', { label: 'bare', value: base.rps }),
        row(`jco serve, ${inFlight} in flight`, jcoRun.rps, 'req/s', { label: 'bare', value: base.rps }),
        row(`  p50 bare`, base.p50, 'µs'),
        row(`  p50 wasmhost`, wasm.p50, 'µs', { label: 'bare', value: base.p50 }),
        row(`  p50 jco serve`, jcoRun.p50, 'µs', { label: 'bare', value: base.p50 }),
        row(`  p99 bare`, base.p99, 'µs'),
        row(`  p99 wasmhost`, wasm.p99, 'µs', { label: 'bare', value: base.p99 }),
        row(`  p99 jco serve`, jcoRun.p99, 'µs', { label: 'bare', value: base.p99 }),
      );
    }
  } finally {
    await listener.close();
    await workload.close();
    jco.stop();
    bare.closeAllConnections();
    bare.close();
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) for (const line of await httpBench()) console.log(line);
