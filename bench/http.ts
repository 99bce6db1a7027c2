// HTTP workloads: requests/s and p50/p99 latency of the hand-written hello handler
// (test/fixtures/http/echo.wat) served as `serve-http` and the agent serve it (a worker per
// workload, the request handled inside it), beside bare node:http answering the same bytes,
// in the same run, through the same keep-alive client.
import { cp, mkdtemp, readFile } from 'node:fs/promises';
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

export async function httpBench(requests = 5000): Promise<string[]> {
  const bare = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const host = createNodeHost({ cacheDir: await mkdtemp(join(tmpdir(), 'wasmhost-bench-http-cache-')), providers: [createWasiProvider(), createNodeHttpOutgoingProvider()] });
  const component = await host.load(await buildEcho());
  const workload = await host.startIsolated(component, { name: 'hello', config: {}, grants: {}, limits: { callTimeoutMs: 10_000, memoryBytes: 64 * 2 ** 20 } });
  const path = 'wasi:http/incoming-handler@0.2.12#handle';
  const listener = await listenHttp('127.0.0.1', 0, () => ({
    name: 'hello', limits: { ...DEFAULT_HTTP_LIMITS, maxConcurrent: 1024 }, handle: (r: HttpRequestData) => workload.call(path, r) as Promise<HttpResponseData>,
  }));
  const lines = [`HTTP: GET / → 200 "hello", ${requests} requests over keep-alive, the hand-written WAT handler in a worker`];
  try {
    for (const inFlight of [1, 16]) {
      await load(bareUrl, 500, inFlight);
      await load(`${listener.url}/`, 500, inFlight);
      const base = await load(bareUrl, requests, inFlight);
      const wasm = await load(`${listener.url}/`, requests, inFlight);
      lines.push(
        row(`bare node:http, ${inFlight} in flight`, base.rps, 'req/s'),
        row(`wasmhost serve-http (worker), ${inFlight} in flight`, wasm.rps, 'req/s', { label: 'bare', value: base.rps }),
        row(`  p50 bare`, base.p50, 'µs'),
        row(`  p50 wasmhost`, wasm.p50, 'µs', { label: 'bare', value: base.p50 }),
        row(`  p99 bare`, base.p99, 'µs'),
        row(`  p99 wasmhost`, wasm.p99, 'µs', { label: 'bare', value: base.p99 }),
      );
    }
  } finally {
    await listener.close();
    await workload.close();
    bare.close();
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) for (const line of await httpBench()) console.log(line);
