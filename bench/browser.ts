// The browser host in Debian's Chromium, against baselines measured in the same run:
// - page load to the first workload call: cold with the Linux host's pre-transpiled artifact,
//   cold with jco transpiling in the page, and warm (reload: artifact and desired state from
//   IndexedDB), beside a bare page that instantiates the same core module and calls it;
// - the same host call (`process(f64)` of the C example, in-process and worker-isolated) in
//   the page and in Node.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPageServer, type RunningPageServer } from '../host-node/page-server.js';
import { createNodeHost } from '../host-node/node-host.js';
import { openCredentialStore } from '../host-node/credentials.js';
import { createDeviceProvider, createSimulatedDrivers } from '../src/capabilities/device-provider.js';
import { median, row } from './measure.js';

const CHROMIUM = '/usr/bin/chromium';

/** What the bench touches of the page's `window.wasmhostReady` device (bench/ is type-checked without DOM types). */
interface PageWorkload { bind(path: string): (...args: unknown[]) => unknown; close(): void }
interface PageIsolated { call(path: string, ...args: unknown[]): Promise<unknown>; close(): Promise<void> }
interface PageDevice {
  events(): { kind: string; who: string; at: number }[];
  host: {
    load(bytes: Uint8Array): Promise<unknown>;
    instantiate(component: unknown, options: object): Promise<PageWorkload>;
    startIsolated(component: unknown, options: object): Promise<PageIsolated>;
  };
}
interface PageGlobals { wasmhostReady: Promise<PageDevice>; firstCallMs?: number; setTimeout(f: () => void, ms: number): void; fetch: typeof fetch }

const grants = { sensors: ['*'], actuators: ['*'] };
const config = { threshold: '1000' };

const manifest = (digest: string) => `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: first-call
metadata:
  name: first-call
  annotations: { applicationId: first-call, applicationVersion: 1.0.0 }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: alarm
        properties:
          packageLocation: alarm.wasm
          digest: ${digest}
          grants: { sensors: ['*'], actuators: ['*'] }
          config: { threshold: '1000' }
          triggers: [{ kind: interval, everyMs: 5, export: process, args: ['20'], output: bench/first }]
`;

/** A page that fetches the pre-transpiled core module and calls `process` on it directly, imports stubbed. */
const BARE_HTML = `<!doctype html><meta charset="utf-8"><script type="module">
const index = await (await fetch(location.hash.slice(1) + 'index.json')).json();
const calls = [];
for (const name of Object.keys(index.coreModules)) {
  const module = await WebAssembly.compileStreaming(fetch(location.hash.slice(1) + name));
  const imports = {};
  for (const i of WebAssembly.Module.imports(module)) (imports[i.module] ??= {})[i.name] = i.kind === 'function' ? () => 0 : i.kind === 'memory' ? new WebAssembly.Memory({ initial: 1 }) : undefined;
  try { const { exports } = await WebAssembly.instantiate(module, imports); if (typeof exports.process === 'function') calls.push(exports.process(20)); } catch {}
}
window.firstCallMs = performance.now();
window.calls = calls;
</script>`;

async function firstCall(page: Page, url: string): Promise<number> {
  await page.goto(url);
  return page.evaluate(() => new Promise<number>((resolve, reject) => {
    const g = globalThis as unknown as PageGlobals;
    g.wasmhostReady.then((d) => {
      const check = () => {
        const first = d.events().find((e) => e.kind === 'output' && e.who === 'bench/first');
        if (first) return resolve(first.at - (performance as unknown as { timeOrigin: number }).timeOrigin);
        g.setTimeout(check, 2);
      };
      check();
    }, reject);
    g.setTimeout(() => reject(new Error('no first call within 60 s')), 60_000);
  }));
}

/**
 * µs per call of `process(f64)`, in-process and worker-isolated (awaited), through one host's
 * API; interleaved batches, medians. Self-contained (no imports, no closures): the page runs
 * this same function's source.
 */
async function measureCalls(host: PageDevice['host'], bytes: Uint8Array, grants: object, config: object): Promise<{ inProcess: number; isolated: number }> {
  const component = await host.load(bytes);
  const local = await host.instantiate(component, { grants, config, name: 'bench-local' });
  const isolated = await host.startIsolated(component, { grants, config, name: 'bench-worker', limits: { callTimeoutMs: 5000, memoryBytes: 64 << 20 } });
  const sync = local.bind('process');
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const inProcess: number[] = [];
  const worker: number[] = [];
  for (let i = 0; i < 20_000; i++) sync(20);
  for (let i = 0; i < 2000; i++) await isolated.call('process', 20);
  for (let r = 0; r < 7; r++) {
    let t = performance.now();
    for (let i = 0; i < 20_000; i++) sync(20);
    inProcess.push(((performance.now() - t) * 1000) / 20_000);
    t = performance.now();
    for (let i = 0; i < 500; i++) await isolated.call('process', 20);
    worker.push(((performance.now() - t) * 1000) / 500);
  }
  local.close();
  await isolated.close();
  return { inProcess: med(inProcess), isolated: med(worker) };
}

/** The calls in the page, on the page's own host. */
function pageCalls(page: Page): Promise<{ inProcess: number; isolated: number }> {
  return page.evaluate(`(async () => {
    const device = await window.wasmhostReady;
    const bytes = new Uint8Array(await (await fetch('/files/alarm.wasm')).arrayBuffer());
    return (${measureCalls.toString()})(device.host, bytes, ${JSON.stringify(grants)}, ${JSON.stringify(config)});
  })()`);
}

/** The same calls in Node. */
function nodeCalls(alarm: Uint8Array, cacheDir: string): Promise<{ inProcess: number; isolated: number }> {
  const host = createNodeHost({ cacheDir, providers: [createDeviceProvider(createSimulatedDrivers())], log: () => {} });
  return measureCalls(host as unknown as PageDevice['host'], alarm, grants, config);
}

export async function browserBench(alarmPath: string, runs = 3): Promise<string[]> {
  if (!existsSync(CHROMIUM)) return ['browser host: skipped (no /usr/bin/chromium; apt-get install chromium)'];
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-browser-'));
  const alarm = await readFile(alarmPath);
  const digest = `sha256:${createHash('sha256').update(alarm).digest('hex')}`;
  const offered = join(dir, 'offered');
  const raw = join(dir, 'raw');
  const servers: RunningPageServer[] = [];
  let browser: Browser | undefined;
  try {
    for (const d of [offered, raw]) {
      await mkdir(d);
      await writeFile(join(d, 'first-call.yaml'), manifest(digest));
      await writeFile(join(d, 'bare.html'), BARE_HTML);
    }
    await copyFile(alarmPath, join(offered, 'alarm.wasm'));
    const start = (filesDir: string) => startPageServer({
      port: 0, host: '127.0.0.1', brokerPort: 0, filesDir, cacheDir: join(dir, 'cache'), credentials: openCredentialStore(join(dir, 'state')), accessToken: 'bench', hostPassword: 'bench-host', log: () => {},
    });
    const withArtifacts = await start(offered);
    servers.push(withArtifacts);
    // The raw server scanned an empty folder: it offers no pre-transpiled artifact, so pages transpile.
    const withoutArtifacts = await start(raw);
    servers.push(withoutArtifacts);
    await copyFile(alarmPath, join(raw, 'alarm.wasm'));
    // Warm the server's own transpile, so "cold" measures the page, not the Linux host's first transpile.
    await fetch(`${withArtifacts.url}artifacts/${digest}/index.json`);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const coldRemote: number[] = [];
    const coldTranspile: number[] = [];
    const warm: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [server, cold] of [[withArtifacts, coldRemote], [withoutArtifacts, coldTranspile]] as const) {
        const context = await browser.newContext();
        const page = await context.newPage();
        cold.push(await firstCall(page, `${server.url}?device=bench-${i}&manifest=/files/first-call.yaml`));
        if (server === withArtifacts) warm.push(await firstCall(page, `${server.url}?device=bench-${i}`));
        await context.close();
      }
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${withArtifacts.url}files/bare.html#${withArtifacts.url}artifacts/${digest}/`);
      bare.push(await page.waitForFunction(() => (globalThis as unknown as PageGlobals).firstCallMs).then((h) => h.jsonValue() as Promise<number>));
      await context.close();
    }

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${withArtifacts.url}?device=bench-calls`);
    const inPage = await pageCalls(page);
    await context.close();
    const inNode = await nodeCalls(alarm, join(dir, 'node-cache'));

    const base = { label: 'bare page', value: median(bare) };
    return [
      `browser host in Chromium ${browser.version()} (C example; page load = navigation start to the first trigger call's output; median of ${runs})`,
      row('bare page: fetch core module, instantiate, call', base.value, 'ms'),
      row('cold, pre-transpiled artifact from the host', median(coldRemote), 'ms', base),
      row('cold, transpiled in the page (jco in wasm)', median(coldTranspile), 'ms', base),
      row('warm reload (IndexedDB artifact and state)', median(warm), 'ms', base),
      'in-page call overhead against Node (process(f64), same host API, µs per call)',
      row('Node, in-process', inNode.inProcess, 'µs'),
      row('page, in-process', inPage.inProcess, 'µs', { label: 'Node', value: inNode.inProcess }),
      row('Node, worker-isolated (awaited)', inNode.isolated, 'µs'),
      row('page, Web Worker-isolated (awaited)', inPage.isolated, 'µs', { label: 'Node', value: inNode.isolated }),
    ];
  } finally {
    await browser?.close();
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}
