// Workloads in Web Workers, in Debian's Chromium: the same limits, restarts and
// synchronous-import bridge as worker_threads. The page (pages/isolate-page.ts) and the
// worker entry are bundled with host-browser/build.mjs into a temp directory and served
// with COOP/COEP; the components are built here in Node and fetched by the page, which
// transpiles them with jco's browser build on first start.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { bundleBrowser } from '../../host-browser/build.mjs';
import { haveChromium, launchChromium, serveDir } from '../support/chromium.js';
import { buildWatComponent, watComponentPath } from '../support/wat-components.js';
import type { IsolatePage, Outcome } from './pages/isolate-page.js';

const ROOT = new URL('../../', import.meta.url);
const MiB = 1048576;
const FAULT_LIMITS = { callTimeoutMs: 300, memoryBytes: 4 * MiB };
/** For tests that are not about the time limit: a loaded machine may take more than 300 ms for a call awaiting a page timer. */
const ROOMY_LIMITS = { ...FAULT_LIMITS, callTimeoutMs: 10_000 };

let dir: string;
let server: Awaited<ReturnType<typeof serveDir>>;
let browser: Browser;
let page: Page;
const consoleLines: string[] = [];

/** Calls a method of the page's `isolatePage`. */
function run<K extends keyof IsolatePage>(method: K, ...args: Parameters<IsolatePage[K]>): Promise<Awaited<ReturnType<IsolatePage[K]>>> {
  return page.evaluate(([m, a]) => (globalThis as unknown as { isolatePage: Record<string, (...x: unknown[]) => unknown> }).isolatePage[m](...a), [method, args] as [string, unknown[]]) as never;
}

function failed(outcome: Outcome) {
  if (outcome.ok) throw new Error(`the call succeeded with ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

function value(outcome: Outcome): unknown {
  if (!outcome.ok) throw new Error(`the call failed: ${outcome.error.message}`);
  return outcome.value;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const us = (x: number) => `${(x * 1000).toFixed(0)} µs`;

describe.skipIf(!haveChromium)('isolated workloads (Web Workers, Chromium)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasmhost-isolate-page-'));
    const here = fileURLToPath(new URL('.', import.meta.url));
    await bundleBrowser({ 'isolate-page': join(here, 'pages/isolate-page.ts'), 'workload-worker': fileURLToPath(new URL('host-browser/workload-worker.ts', ROOT)) }, dir);
    await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>isolate</title><script type="module" src="./isolate-page.js"></script>\n');
    await writeFile(join(dir, 'faults.wasm'), await buildWatComponent('faults'));
    await writeFile(join(dir, 'imports-logging.wasm'), await readFile(await watComponentPath('imports-logging')));
    for (const [file, source] of [['sensor-filter.wasm', 'examples/sensor-filter-js/sensor-filter.wasm'], ['hello.wasm', 'examples/hello-command-c/hello.wasm'], ['kv-counter.wasm', 'examples/kv-counter-js/kv-counter.wasm']]) {
      await writeFile(join(dir, file), await readFile(new URL(source, ROOT)));
    }
    await writeFile(join(dir, 'throwing-worker.js'), "throw new Error('broken at load');\n");
    server = await serveDir(dir);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => void consoleLines.push(m.text()));
    page.on('pageerror', (e) => void consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => 'isolatePage' in globalThis);
  });
  afterEach(async () => {
    await run('closeAll');
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs in a cross-origin isolated page', async () => {
    expect(await run('crossOriginIsolated')).toBe(true);
  });

  it('answers scalar calls and blocking imports across the Atomics bridge; measures start and round trips', async () => {
    const cold = await run('start', 'cold', 'faults.wasm', ROOMY_LIMITS);
    const coldFirst = await run('call', 'cold', 'ok', 41);
    expect(value(coldFirst)).toBe(42);
    const warm = await run('start', 'faults', 'faults.wasm', ROOMY_LIMITS);
    const warmFirst = await run('call', 'faults', 'ok', 1);
    expect(value(warmFirst)).toBe(2);
    expect(value(await run('call', 'faults', 'ask', 20))).toBe(41); // double() awaits a timer on the page
    expect(value(await run('call', 'faults', 'tell', 7))).toBe(7);
    expect(await run('notes')).toEqual([7]);
    expect(failed(await run('call', 'faults', 'nope'))).toMatchObject({ code: 'unknown-export' });

    await run('start', 'quick', 'faults.wasm', ROOMY_LIMITS, { quick: true });
    const callMs = await run('timeCalls', 'quick', 'ok', 1, 2000);
    const importMs = await run('timeCalls', 'quick', 'ask', 1, 2000);
    const chatter = await run('call', 'quick', 'chatter', 10_000);
    expect(value(chatter)).toBe(99_990_000 % 2 ** 32);
    const startedMs = (o: Outcome) => ((o.ok ? o.value : []) as { type: string; ms: number }[])[0]?.ms ?? NaN;
    console.log(
      'Web Worker isolate in Chromium:\n' +
        `  first start (jco transpiles in the page, worker, compile, instantiate): ${ms(cold.ms)}, then first call ${ms(coldFirst.ms)}\n` +
        `  second start (artifact cache hit): ${ms(warm.ms)} (worker ready after ${ms(startedMs(warm))}), then first call ${ms(warmFirst.ms)}\n` +
        `  per-call round trip (ok, 2000 sequential calls): ${us(callMs)}\n` +
        `  call with one blocking import (ask, sync provider): ${us(importMs)}, so the import round trip is about ${us(importMs - callMs)}\n` +
        `  blocking imports back to back inside one call (chatter 10000): ${us(chatter.ms / 10_000)} each`,
    );
  });

  it('runs logging notes in order before a blocking import that returns a string', async () => {
    await run('start', 'logging', 'imports-logging.wasm', { callTimeoutMs: 2000, memoryBytes: 4 * MiB });
    expect(value(await run('call', 'logging', 'run', 200))).toBe(601);
    expect(value(await run('call', 'logging', 'run-describe', 5))).toBe('#5 ✓');
    expect(await run('thingCalls')).toEqual(['frob 200']);
    expect(await run('logs')).toEqual(['info imports-logging: run called', 'warn imports-logging: x is large', 'debug imports-logging: #5 ✓']);
  });

  it('runs the key-value counter in a Web Worker: its bucket stays on the page, the worker holds a handle', async () => {
    await run('start', 'kv', 'kv-counter.wasm', { callTimeoutMs: 5000, memoryBytes: 64 * MiB }, { grants: { keyvalue: { buckets: ['counts', 'last'] } } });
    expect([value(await run('call', 'kv', 'count', 'visits')), value(await run('call', 'kv', 'count', 'visits'))]).toEqual([{ tag: 'ok', val: '1' }, { tag: 'ok', val: '2' }]);
    expect(value(await run('call', 'kv', 'remember', 'visits', 'page'))).toEqual({ tag: 'ok' });
    expect(value(await run('call', 'kv', 'last', 'visits'))).toEqual({ tag: 'ok', val: 'page' });
    expect(value(await run('call', 'kv', 'counts'))).toEqual({ tag: 'ok', val: [['visits', '2']] });
  });

  it('stops an endless loop at 300 ms while the page stays responsive, then restarts and answers', async () => {
    await run('start', 'spinner', 'faults.wasm', FAULT_LIMITS);
    const probe = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const t = performance.now();
      await page.evaluate(() => 1);
      return performance.now() - t;
    })();
    const { result, ticks, frames } = await run('callWhileTicking', 'spinner', 'spin');
    const evaluateMs = await probe;
    const error = failed(result);
    expect(error).toMatchObject({ code: 'trap', message: 'spin did not return within 300 ms; spinner was stopped and restarts', data: { reason: 'timeout' } });
    expect(result.ms).toBeLessThan(2000);
    expect(ticks).toBeGreaterThan(5); // the page's 10 ms timer kept running during the loop
    const restartMs = await run('untilRunning', 'spinner');
    expect(value(await run('call', 'spinner', 'ok', 1))).toBe(2);
    expect(await run('status', 'spinner')).toMatchObject({ state: 'running', restarts: 1, events: ['started', 'stopped timeout', 'started'] });
    console.log(`endless loop stopped after ${ms(result.ms)} (limit 300 ms); meanwhile ${ticks} timer ticks and ${frames} animation frames on the page, page.evaluate answered in ${ms(evaluateMs)}; running again ${ms(restartMs)} later`);
  });

  it('reports a trap and restarts the instance', async () => {
    await run('start', 'crasher', 'faults.wasm', FAULT_LIMITS);
    const error = failed(await run('call', 'crasher', 'boom'));
    expect(error).toMatchObject({ code: 'trap', message: expect.stringMatching(/^boom trapped: .*unreachable/) });
    await run('untilRunning', 'crasher');
    expect(value(await run('call', 'crasher', 'ok', 5))).toBe(6);
    expect(await run('status', 'crasher')).toMatchObject({ restarts: 1, events: ['started', 'stopped trap', 'started'] });
  });

  it('caps linear memory: a memory hog fails with an out-of-memory error and restarts', async () => {
    await run('start', 'hog', 'faults.wasm', FAULT_LIMITS);
    const error = failed(await run('call', 'hog', 'hog', 100_000));
    expect(error.message).toMatch(/^hog trapped: .*unreachable.* \(out of memory: its linear memory is at 4 MiB of its 4 MiB limit\)$/);
    expect(error.data).toMatchObject({ reason: 'out-of-memory', memoryBytes: 4 * MiB });
    await run('untilRunning', 'hog');
    expect(value(await run('call', 'hog', 'hog', 10))).toBe(11);
    expect(await run('status', 'hog')).toMatchObject({ events: ['started', 'stopped out-of-memory', 'started'] });
  });

  it('browser WASI: no directories even when one is granted, env from grants, exit ends the call', async () => {
    const facts = await run('wasiFacts');
    expect(facts.directories).toBe(0);
    expect(facts.env).toEqual([['A', '1']]);
    expect(facts.exit).toMatchObject({ code: 'exit', data: { exitCode: 3 } });
    expect(facts.offers).toContain('wasi:filesystem/preopens');
    expect(facts.offers.filter((o) => /^wasi:(sockets|http)\//.test(o))).toEqual([]);

    consoleLines.length = 0;
    const hello = await run('runCommand', 'hello.wasm', ['hello', '--write', 'out.txt', 'from a worker', '--exit', '3'], { env: { GREETING: 'Moin' } });
    expect(failed(hello)).toMatchObject({ code: 'exit', data: { exitCode: 3 } });
    // stdout and stderr of the worker go to its console, which Playwright reports as the page's.
    await expect.poll(() => consoleLines, { timeout: 3000 }).toEqual(expect.arrayContaining(['Moin from a wasm command', expect.stringMatching(/cannot write \/data\/out\.txt/)]));
    console.log(`hello-command-c in a Web Worker: exit 3; console: ${JSON.stringify(consoleLines)}`);
  });

  it('runs the componentize-js sensor-filter example isolated', async () => {
    const started = await run('start', 'sensor-filter', 'sensor-filter.wasm', { callTimeoutMs: 10_000, memoryBytes: 64 * MiB }, { grants: { sensors: ['*'], actuators: ['*'] } });
    value(started);
    const first = await run('call', 'sensor-filter', 'process', 20);
    expect(value(first)).toBe(20);
    expect(value(await run('call', 'sensor-filter', 'process', 30))).toBe(25);
    expect(value(await run('call', 'sensor-filter', 'sample', 'temperature'))).toMatchObject({ tag: 'ok', val: { unit: 'Cel', value: expect.any(Number) } });
    const perCall = await run('timeCalls', 'sensor-filter', 'process', 1, 500);
    console.log(`sensor-filter (QuickJS, 1.6 MB) in a Web Worker: start ${ms(started.ms)} (transpiled in the page), first call ${ms(first.ms)}, then ${us(perCall)} per call`);
  });

  it('reports a worker that cannot load, or throws, as a stopped worker', async () => {
    expect(await run('spawnFailure', './missing-worker.js')).toMatchObject({
      code: 'trap', message: expect.stringMatching(/^the worker of broken could not start: loading http:.*\/missing-worker\.js failed/), data: { reason: 'worker-exit' },
    });
    expect(await run('spawnFailure', './throwing-worker.js')).toMatchObject({
      code: 'trap', message: expect.stringMatching(/^the worker of broken failed: Uncaught Error: broken at load \(http:.*throwing-worker\.js:1:\d+\); its worker was stopped$/), data: { reason: 'worker-exit' },
    });
  });
});
