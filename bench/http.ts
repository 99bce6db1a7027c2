// HTTP workloads: requests/s and p50/p99 latency of the hand-written hello handler
// (test/fixtures/http/echo.wat) through the agent's HTTP path (listener, router, http trigger),
// in-process and in a worker, beside bare node:http answering the same bytes and `jco serve` of
// the same component, in the same run, through the same keep-alive client; then the handler
// called directly (no HTTP) in both modes, to show where the time goes.
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
import type { Component } from '../src/component/component.js';
import { bindHttpTriggers } from '../src/deploy/http-trigger.js';
import type { WorkloadSpec } from '../src/deploy/types.js';
import { createHttpRouter } from '../src/runtime/http-router.js';
import type { HttpRequestData } from '../src/runtime/http-types.js';
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

/** Where the time of one request goes without HTTP: the handler called directly, in µs per request. */
async function handlerCost(inProcess: { call(p: string, r: HttpRequestData): unknown }, isolated: { call(p: string, r: HttpRequestData): Promise<unknown> }, count: number): Promise<{ inProcess: number; isolated: number }> {
  const request: HttpRequestData = { method: 'GET', pathWithQuery: '/', scheme: 'http', authority: 'bench', headers: [], body: new Uint8Array(0) };
  for (let i = 0; i < 200; i++) inProcess.call(PATH, request);
  let t0 = performance.now();
  for (let i = 0; i < count; i++) inProcess.call(PATH, request);
  const direct = ((performance.now() - t0) * 1000) / count;
  for (let i = 0; i < 200; i++) await isolated.call(PATH, request);
  t0 = performance.now();
  for (let i = 0; i < count; i++) await isolated.call(PATH, request);
  return { inProcess: direct, isolated: ((performance.now() - t0) * 1000) / count };
}

const PATH = 'wasi:http/incoming-handler@0.2.12#handle';
const ROUNDS = 5;

/** The agent's HTTP path (listener, router, http trigger) for one component, in-process on /in and in a worker on /iso. */
async function agentPath(component: Component, host: ReturnType<typeof createNodeHost>) {
  const inProcess = await host.instantiate(component, { name: 'hello-in', config: {}, grants: {} });
  const isolated = await host.startIsolated(component, { name: 'hello-iso', config: {}, grants: {}, limits: { callTimeoutMs: 10_000, memoryBytes: 64 * 2 ** 20 } });
  const router = createHttpRouter();
  const spec = (name: string, isolation: 'worker' | 'in-process') => ({
    name, packageLocation: '', digest: component.digest, grants: {}, config: {},
    triggers: [{ kind: 'http' as const, path: `/${name}`, maxConcurrent: 1024 }],
    limits: { isolation, callTimeoutMs: 10_000, memoryBytes: 64 * 2 ** 20 },
  }) as unknown as WorkloadSpec;
  bindHttpTriggers(router, component, spec('in', 'in-process'), 'in', async (path, args) => inProcess.call(path, ...args));
  bindHttpTriggers(router, component, spec('iso', 'worker'), 'iso', (path, args) => isolated.call(path, ...args));
  const listener = await listenHttp('127.0.0.1', 0, router.resolve);
  return { listener, inProcess, isolated };
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
  const agent = await agentPath(component, host);
  const urls = { bare: bareUrl, inProcess: `${agent.listener.url}/in/`, isolated: `${agent.listener.url}/iso/`, jco: jco.url };
  const labels = { bare: 'bare node:http', inProcess: 'wasmhost agent path, in-process', isolated: 'wasmhost agent path, worker', jco: 'jco serve' };
  const lines = [`HTTP: GET / → 200 "hello", ${requests} requests per row in ${ROUNDS} interleaved rounds (median round shown), keep-alive, the hand-written WAT handler (test/fixtures/http/echo.wat); same run, same client`];
  try {
    for (const inFlight of [1, 16]) {
      for (const url of Object.values(urls)) await load(url, 500, inFlight);
      // Rounds interleave the candidates, so a busy moment of this shared machine falls on each alike;
      // each figure is the median round's.
      const rounds: Record<keyof typeof urls, Awaited<ReturnType<typeof load>>[]> = { bare: [], inProcess: [], isolated: [], jco: [] };
      for (let r = 0; r < ROUNDS; r++) for (const key of Object.keys(urls) as (keyof typeof urls)[]) rounds[key].push(await load(urls[key], Math.ceil(requests / ROUNDS), inFlight));
      const pick = (xs: Awaited<ReturnType<typeof load>>[]) => ({ rps: median(xs.map((x) => x.rps)), p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)) });
      const results = Object.fromEntries(Object.entries(rounds).map(([k, xs]) => [k, pick(xs)])) as Record<keyof typeof urls, Awaited<ReturnType<typeof load>>>;
      const base = results.bare;
      for (const key of Object.keys(urls) as (keyof typeof urls)[]) {
        const r = results[key];
        const vs = key === 'bare' ? undefined : { label: 'bare', value: base.rps };
        lines.push(row(`${labels[key]}, ${inFlight} in flight`, r.rps, 'req/s', vs));
        lines.push(row(`    p50 / p99 (µs) ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)}`, r.p50, 'µs p50', key === 'bare' ? undefined : { label: 'bare', value: base.p50 }));
      }
    }
    const cost = await handlerCost(agent.inProcess as unknown as { call(p: string, r: HttpRequestData): unknown }, agent.isolated as unknown as { call(p: string, r: HttpRequestData): Promise<unknown> }, 2000);
    lines.push('  where the time goes (no HTTP: the handler export called directly with a plain request):');
    lines.push(row('handler in-process (types, serve, guest)', cost.inProcess, 'µs/req'));
    lines.push(row('handler in a worker (+ postMessage both ways)', cost.isolated, 'µs/req', { label: 'in-process', value: cost.inProcess }));
  } finally {
    await agent.listener.close();
    await agent.isolated.close();
    agent.inProcess.close();
    jco.stop();
    bare.closeAllConnections();
    bare.close();
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) for (const line of await httpBench()) console.log(line);
