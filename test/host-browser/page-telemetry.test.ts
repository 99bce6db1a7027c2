// A page device exporting telemetry, all real: `wasmhost serve --otel <receiver>` (the page
// bundled from source here, /config.json naming the collector), the reference C peer on serve's
// broker, Debian's Chromium, and an OTLP/HTTP receiver on 127.0.0.1 that answers CORS as a
// collector for pages must. The page's worker-isolated sensor-filter samples peer-7: the receiver
// gets one trace trigger → call → import → peer rpc from the page, its metrics and its logs,
// under a resource of class browser. (serve's broker is aedes, MQTT 3.1.1: no traceparent reaches
// this peer; test/host-node/telemetry shows it carried over MQTT 5.) A Node agent with its own
// mosquitto and peer exports to the same receiver, and both devices' traces arrive whole.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { bundleBrowser } from '../../host-browser/build.mjs';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { haveMosquitto, startMosquitto } from '../support/mosquitto.js';
import { peerFilterDeployment, startPeer } from '../support/telemetry-peer.js';
import { startAgent } from '../host-node/agent/agent-process.js';
import type {} from '../../host-browser/main.js'; // window.wasmhost's type

function findTool(name: string): string | undefined {
  return [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].map((d) => join(d, name)).find((p) => existsSync(p));
}
const MAKE = findTool('make');
const MISSING = [!haveChromium && 'chromium', !haveMosquitto && 'mosquitto', !findTool('gcc') && 'gcc', !MAKE && 'make', !existsSync('/usr/include/mosquitto.h') && 'libmosquitto-dev'].filter(Boolean);
if (MISSING.length) console.warn(`page telemetry test skipped: missing ${MISSING.join(', ')}`);

const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
const digestOf = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
const peerReader = `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: peer-reader
metadata:
  name: peer-reader
  annotations:
    applicationId: peer-reader
    applicationVersion: 1.0.0
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - ${JSON.stringify({
    name: 'filter',
    properties: {
      packageLocation: 'sensor-filter.wasm', digest: digestOf(FILTER),
      grants: { sensors: ['peer-7/temperature'], actuators: ['peer-7/relay'] },
      config: { window: 'not-a-number' },
      triggers: [{ kind: 'interval', everyMs: 300, export: 'sample', args: ['"peer-7/temperature"'], output: 'test/peer-7/filtered' }],
      limits: { isolation: 'worker', callTimeoutMs: 5000 },
    },
  })}
`;

describe.skipIf(MISSING.length > 0)('page telemetry: serve --otel + Chromium + the C peer → an OTLP/HTTP receiver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-page-otel-'));
  const children: ChildProcess[] = [];
  let serveOut = '';
  let pageUrl = '';
  let browser: Browser;
  let page: Page;
  let receiver: OtlpReceiver;

  function start(command: string, args: string[], onOut?: (text: string) => void): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => onOut?.(d.toString()));
    child.stderr!.on('data', (d: Buffer) => onOut?.(d.toString()));
    children.push(child);
    return child;
  }

  async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: () => string, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) {
        const events = await page?.evaluate(() => JSON.stringify(window.wasmhost?.events().slice(-15), null, 1)).catch(() => '(no page)');
        throw new Error(`timed out waiting for ${what()}\npage events: ${events}\nserve:\n${serveOut}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    receiver = await startOtlpReceiver({ cors: true });
    const pageDir = join(dir, 'page');
    await bundleBrowser({ main: 'host-browser/main.ts', 'workload-worker': 'host-browser/workload-worker.ts' }, pageDir);
    for (const f of ['index.html', 'style.css']) await copyFile(join('host-browser', f), join(pageDir, f));
    execFileSync(MAKE!, ['-s', '-C', 'examples/embedded-peer-c', `OUT=${dir}`, `${dir}/peer`], { stdio: 'pipe' });
    const files = join(dir, 'files');
    mkdirSync(files);
    await copyFile(FILTER, join(files, 'sensor-filter.wasm'));
    writeFileSync(join(files, 'peer.yaml'), peerReader);
    execFileSync(process.execPath, ['bin/wasmhost.js', 'peer', 'add', 'peer-7', '--state', join(dir, 'state'), '--secret-file', join(dir, 'peer-7.secret')], { stdio: 'pipe' });
    start(process.execPath, ['bin/wasmhost.js', 'serve', '--port', '0', '--broker-port', '0', '--files', files, '--page-dir', pageDir, '--cache-dir', join(dir, 'cache'),
      '--state', join(dir, 'state'), '--page-peers', 'peer-7', '--otel', receiver.url], (t) => (serveOut += t));
    pageUrl = (await until(() => /listening on (http:\S+)/.exec(serveOut)?.[1], () => 'serve to listen')).replace(/\/?$/, '/');
    const brokerPort = Number(await until(() => /MQTT: mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(serveOut)?.[1], () => "serve's broker"));
    writeFileSync(join(dir, 'temperature'), '21.5\n');
    start(join(dir, 'peer'), ['--host', '127.0.0.1', '--port', String(brokerPort), '--id', 'peer-7', '--password-file', join(dir, 'peer-7.secret'),
      '--period-ms', '200', '--seq-file', join(dir, 'peer-7.seq'), '--temp-file', join(dir, 'temperature')]);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => console.warn(`[page error] ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.race([Promise.allSettled([browser?.close()]), new Promise((r) => setTimeout(r, 5000))]);
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the page exports a trigger → call → import → peer rpc trace, metrics and logs, and reports otelCollector', async () => {
    expect(serveOut).toContain(`pages export telemetry to ${receiver.url}`);
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`${pageUrl}?device=otel-page&manifest=/files/peer.yaml&otel-interval-ms=500`);
    const profile = await page.evaluate(() => window.wasmhostReady.then((d) => d.profile()));
    expect(profile.otelCollector).toBe(true);
    expect(fetched.some((path) => /\/otel-telemetry-[A-Z0-9]+\.js$/.test(path))).toBe(true);

    const browserSpans = () => receiver.spans().filter((s) => s.resource['wasmhost.device.class'] === 'browser');
    const rpc = await until(() => browserSpans().find((s) => s.name === 'peer rpc read' && s.parentSpanId), () => `a peer rpc span from the page in ${JSON.stringify(receiver.spans().map((s) => s.name))}`);
    expect(rpc.resource).toMatchObject({ 'service.name': 'wasmhost', 'service.instance.id': 'otel-page', 'user_agent.original': expect.stringContaining('Chrome') });
    const byId = (id?: string) => browserSpans().find((s) => s.spanId === id);
    const chain: ReceivedSpan[] = [rpc];
    for (let s = byId(rpc.parentSpanId); s; s = byId(s.parentSpanId)) chain.unshift(s);
    expect(chain.map((s) => s.name)).toEqual(['trigger interval', 'call sample', 'import wasmhost:device/sensors#read', 'peer rpc read']);
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    const deploy = await until(() => browserSpans().find((s) => s.name === 'deploy'), () => 'a deploy span');
    expect(browserSpans().filter((s) => s.parentSpanId === deploy.spanId).map((s) => s.name)).toEqual(expect.arrayContaining(['fetch', 'transpile', 'instantiate']));

    const calls = await until(() => receiver.metrics().find((m) => m.name === 'wasmhost.calls' && m.resource['wasmhost.device.class'] === 'browser'), () => 'wasmhost.calls from the page');
    expect(calls.points.some((p) => p.attributes['wasmhost.workload'] === 'peer-reader/filter' && p.value! > 0)).toBe(true);
    await until(() => receiver.metrics().find((m) => m.name === 'wasmhost.peers.online' && m.resource['wasmhost.device.class'] === 'browser' && m.points[0]?.value === 1), () => 'peers online 1');
    await until(() => receiver.metrics().find((m) => m.name === 'wasmhost.memory.used' && m.resource['wasmhost.device.class'] === 'browser'), () => 'the page heap gauge');

    const log = await until(() => receiver.logs().find((l) => l.resource['service.instance.id'] === 'otel-page' && l.body.includes('config "window"')), () => 'the workload log line');
    expect(log).toMatchObject({ severityText: 'WARN', attributes: { 'wasmhost.workload': 'peer-reader/filter' } });
    expect(receiver.requests().every((r) => r.contentType.startsWith('application/json'))).toBe(true);
  }, 90_000);

  /** The chain from the trigger to the peer rpc of device class `deviceClass`, from its newest rpc span's parents. */
  async function chainOf(deviceClass: string): Promise<ReceivedSpan[]> {
    const spans = () => receiver.spans().filter((s) => s.resource['wasmhost.device.class'] === deviceClass);
    const rpc = await until(() => spans().find((s) => s.name === 'peer rpc read' && s.parentSpanId), () => `a peer rpc span of class ${deviceClass}`);
    const byId = (id?: string) => spans().find((s) => s.spanId === id);
    const chain: ReceivedSpan[] = [rpc];
    for (let s = byId(rpc.parentSpanId); s; s = byId(s.parentSpanId)) chain.unshift(s);
    return chain;
  }

  it('a Node agent and the page, pointed at this one receiver, each deliver a host → worker → peer trace, metrics and logs', async () => {
    // The agent: its own MQTT 5 broker (mosquitto) and peer, the same deployment, the same collector.
    const broker = await startMosquitto();
    const peer = await startPeer(broker.url);
    const desired = join(dir, 'agent-desired');
    mkdirSync(desired);
    await copyFile(FILTER, join(desired, 'sensor-filter.wasm'));
    writeFileSync(join(desired, 'peer-filter.yaml'), peerFilterDeployment(digestOf(FILTER), { window: 'not-a-number' }));
    const agent = startAgent(['--desired', desired, '--broker', broker.url, '--no-simulated-device', '--otel', receiver.url], join(dir, 'agent-state'),
      { OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200' });
    try {
      for (const deviceClass of ['browser', 'linux']) {
        const chain = await chainOf(deviceClass);
        expect(chain.map((s) => s.name), deviceClass).toEqual(['trigger interval', 'call sample', 'import wasmhost:device/sensors#read', 'peer rpc read']);
        expect(new Set(chain.map((s) => s.traceId)).size, deviceClass).toBe(1);
        await until(() => receiver.metrics().find((m) => m.name === 'wasmhost.calls' && m.resource['wasmhost.device.class'] === deviceClass), () => `wasmhost.calls of class ${deviceClass}`);
        await until(() => receiver.logs().find((l) => l.resource['wasmhost.device.class'] === deviceClass && l.body.includes('config "window"')), () => `the workload's log line of class ${deviceClass}`);
      }
      // Two devices, told apart by their resource.
      const devices = new Set(receiver.spans().map((s) => `${s.resource['wasmhost.device.class']} ${s.resource['service.instance.id']}`));
      expect([...devices].filter((d) => d.startsWith('browser otel-page') || d.startsWith('linux '))).toHaveLength(2);
      expect(peer.traceparents.some((t) => t !== undefined)).toBe(true);
    } finally {
      await agent.stop('SIGKILL');
      await peer.close().catch(() => undefined);
      await broker.stop();
    }
  }, 120_000);

  it('without a collector the page never fetches the SDK chunk and reports otelCollector false', async () => {
    const context = await browser.newContext();
    const plain = await context.newPage();
    // The same server, with /config.json as serve writes it without --otel.
    await plain.route('**/config.json', async (route) => {
      const config = (await (await route.fetch()).json()) as Record<string, unknown>;
      delete config.otel;
      await route.fulfill({ json: config, headers: { 'cache-control': 'no-store' } });
    });
    const fetched: string[] = [];
    plain.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await plain.goto(`${pageUrl}?device=plain-page`);
    const profile = await plain.evaluate(() => window.wasmhostReady.then((d) => d.profile()));
    expect(profile.otelCollector).toBe(false);
    expect(fetched).toContain('/main.js');
    expect(fetched.filter((path) => path.includes('otel-telemetry'))).toEqual([]);
    await context.close();
  }, 60_000);
});
