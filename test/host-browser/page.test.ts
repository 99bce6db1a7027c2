// The browser host end to end, all real: `wasmhost serve` (page, /config.json, /files/, the
// embedded broker on TCP and at /mqtt), the reference C peer on that broker, Debian's Chromium
// loading the page, a Node MQTT client watching what the page publishes, and the reference
// fleet manager. Each `it` builds on the one before (one page, one device), in order.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createMqttTransport } from '../../host-node/mqtt-transport.js';
import type { MqttTransport } from '../../src/ports/mqtt-transport.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { watComponentPath } from '../support/wat-components.js';
import type {} from '../../host-browser/main.js'; // window.wasmhost's type

function findTool(name: string): string | undefined {
  return [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].map((d) => join(d, name)).find((p) => existsSync(p));
}
const MAKE = findTool('make');
const MISSING = [!haveChromium && 'chromium', !findTool('gcc') && 'gcc', !MAKE && 'make', !existsSync('/usr/include/mosquitto.h') && 'libmosquitto-dev'].filter(Boolean);
if (MISSING.length) console.warn(`browser page test skipped: missing ${MISSING.join(', ')} (Debian: apt-get install ${MISSING.join(' ')})`);

const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
const COUNTER = 'examples/kv-counter-js/kv-counter.wasm';
const digestOf = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
export const SCREENSHOT = join('test-results', 'browser-ui.png');

/** One self-contained ApplicationDeployment (a Wasm profile inline). */
function deployment(id: string, component: Record<string, unknown>): string {
  return `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: ${id}
metadata:
  name: ${id}
  annotations:
    applicationId: ${id}
    applicationVersion: 1.0.0
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - ${JSON.stringify(component)}
`;
}

const peerReader = (location: string) => deployment('peer-reader', {
  name: 'filter',
  properties: {
    packageLocation: location, digest: digestOf(FILTER),
    grants: { sensors: ['peer-7/temperature'], actuators: ['peer-7/relay'] },
    triggers: [{ kind: 'interval', everyMs: 300, export: 'sample', args: ['"peer-7/temperature"'], output: 'test/peer-7/filtered' }],
    limits: { isolation: 'worker', callTimeoutMs: 5000 },
  },
});
const counter = (location: string) => deployment('counter', {
  name: 'counter',
  properties: {
    packageLocation: location, digest: digestOf(COUNTER),
    grants: { keyvalue: { buckets: ['counts'] } },
    // Worker isolation (the default): the bucket stays in the page's thread (IndexedDB), the worker holds a handle.
    triggers: [{ kind: 'interval', everyMs: 300, export: 'count', args: ['"samples"'], output: 'test/samples' }],
  },
});
const needsFiles = deployment('needs-files', {
  name: 'filter',
  properties: { packageLocation: 'sensor-filter.wasm', digest: digestOf(FILTER), grants: { sensors: ['peer-7/temperature'], actuators: ['peer-7/relay'], filesystem: { '/data': '/srv/data' } } },
});
const runaway = (digest: string) => deployment('runaway', {
  name: 'spinner',
  properties: {
    packageLocation: 'runaway.wasm', digest,
    triggers: [{ kind: 'interval', everyMs: 400, export: 'spin' }],
    limits: { isolation: 'worker', callTimeoutMs: 300 },
  },
});

interface Published { topic: string; text: string; at: number }

describe.skipIf(MISSING.length > 0)('the browser host: wasmhost serve + Chromium + the C peer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-page-'));
  const files = join(dir, 'files');
  const children: ChildProcess[] = [];
  const published: Published[] = [];
  let serveOut = '';
  let pageUrl = '';
  let browser: Browser;
  let page: Page;
  let watcher: MqttTransport;

  function start(command: string, args: string[], onOut?: (text: string) => void): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => onOut?.(d.toString()));
    child.stderr!.on('data', (d: Buffer) => onOut?.(d.toString()));
    children.push(child);
    return child;
  }

  async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: () => string, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what()}\n${await pageState()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** What the page shows, for a failure message. */
  const pageState = () => page.evaluate(() => JSON.stringify({
    statuses: window.wasmhost?.agent.statuses(), workloads: window.wasmhost?.agent.workloads(), events: window.wasmhost?.events().slice(-15),
  }, null, 1)).catch((e: Error) => `(page state unavailable: ${e.message})`);
  const lastOn = (topic: string, after = 0) => published.filter((p) => p.topic === topic && p.at > after).at(-1);
  const statuses = () => page.evaluate(() => window.wasmhost!.agent.statuses().map((s) => ({ id: s.deploymentId, state: s.status.state, error: s.status.error?.message })));
  const stateOf = async (id: string) => (await statuses()).find((s) => s.id === id);

  beforeAll(async () => {
    execFileSync(MAKE!, ['-s', '-C', 'examples/embedded-peer-c', `OUT=${dir}`, `${dir}/peer`], { stdio: 'pipe' });
    mkdirSync(files);
    await copyFile(FILTER, join(files, 'sensor-filter.wasm'));
    await copyFile(COUNTER, join(files, 'kv-counter.wasm'));
    await copyFile(await watComponentPath('runaway'), join(files, 'runaway.wasm'));
    writeFileSync(join(files, 'kiosk.yaml'), [peerReader('sensor-filter.wasm'), counter('kv-counter.wasm'), needsFiles].join('---\n'));
    writeFileSync(join(files, 'runaway.yaml'), [peerReader('sensor-filter.wasm'), counter('kv-counter.wasm'), runaway(digestOf(join(files, 'runaway.wasm')))].join('---\n'));

    // peer-7 is provisioned in serve's state; pages may reach it (--page-peers) and nothing else.
    execFileSync(process.execPath, ['bin/wasmhost.js', 'peer', 'add', 'peer-7', '--state', join(dir, 'state'), '--secret-file', join(dir, 'peer-7.secret')], { stdio: 'pipe' });
    start(process.execPath, ['bin/wasmhost.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--broker-port', '0', '--files', files, '--cache-dir', join(dir, 'cache'),
      '--state', join(dir, 'state'), '--page-peers', 'peer-7'], (t) => (serveOut += t));
    pageUrl = (await until(() => /listening on (http:\S+)/.exec(serveOut)?.[1], () => `serve to listen:\n${serveOut}`)).replace(/\/?$/, '/');
    const brokerPort = Number(await until(() => /MQTT: mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(serveOut)?.[1], () => `serve's broker:\n${serveOut}`));

    writeFileSync(join(dir, 'temperature'), '21.5\n');
    start(join(dir, 'peer'), ['--host', '127.0.0.1', '--port', String(brokerPort), '--id', 'peer-7', '--password-file', join(dir, 'peer-7.secret'),
      '--period-ms', '200', '--seq-file', join(dir, 'peer-7.seq'), '--temp-file', join(dir, 'temperature')]);

    // Watches what pages publish, with a page credential of its own (POST /session, as a page gets one).
    const own = (await (await fetch(`${pageUrl}session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as { username: string; password: string };
    watcher = createMqttTransport({ url: `mqtt://127.0.0.1:${brokerPort}`, username: own.username, password: own.password, clientId: own.username, protocolVersion: 4 });
    await watcher.connect();
    watcher.onMessage((m) => published.push({ topic: m.topic, text: new TextDecoder().decode(m.payload), at: Date.now() }));
    await watcher.subscribe('test/#');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.warn(`[page error] ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    // Processes first: nothing below may keep them alive if it hangs.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.race([Promise.allSettled([browser?.close(), watcher?.close()]), new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads cross-origin isolated and reports a profile of class browser with only what a page offers', async () => {
    await page.goto(`${pageUrl}?device=kiosk-1`);
    const profile = await page.evaluate(() => window.wasmhostReady.then((d) => d.profile()));
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(profile.class).toBe('browser');
    expect(profile.identity.id).toBe('kiosk-1');
    expect(profile.wasm.engine).toEqual({ name: 'jco', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const names = profile.wasm.interfaces.map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(['wasi:logging/logging', 'wasi:config/store', 'wasi:keyvalue/store', 'wasi:messaging/producer', 'wasmhost:device/sensors']));
    expect(names.filter((n) => n.startsWith('wasi:sockets/') || n.startsWith('wasi:http/'))).toEqual([]);
    expect(profile.wasm.grants).not.toContain('filesystem');
    expect(profile.wasm.grants).not.toContain('network');
    await expect.poll(() => page.textContent('#broker-state')).toBe('broker connected');
    // The page logged in with a credential of its own from POST /session, scoped to peer-7.
    const credential = await page.evaluate(() => JSON.parse(localStorage.getItem('wasmhost.page-credential.kiosk-1') ?? 'null') as { username: string; peers: string[] } | null);
    expect(credential).toMatchObject({ username: expect.stringMatching(/^page-[0-9a-f]{16}$/), peers: ['peer-7'] });
    expect(await page.evaluate(() => window.wasmhost!.events().map((e) => e.text))).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`as ${credential!.username} \\(peers: peer-7\\)`))]));
    expect(await page.textContent('#device-class')).toBe('class browser');
    // The C peer's birth reaches the page through the bridge; it is listed, and in the profile.
    await page.waitForSelector('[data-peer="peer-7"].online');
    expect((await page.evaluate(() => window.wasmhost!.profile().wasm.peers)).map((p) => p.id)).toEqual(['peer-7']);
  });

  it('deploys from a manifest URL typed into the UI; a worker workload reads the C peer through the bridge and publishes', async () => {
    await page.fill('#deploy-form-input', '/files/kiosk.yaml');
    await page.click('#deploy-form button');
    await until(async () => (await stateOf('peer-reader'))?.state === 'installed' && (await stateOf('counter'))?.state === 'installed', () => 'peer-reader and counter installed');
    // A directory grant is refused before anything runs, with the matching report.
    const refused = await until(async () => ((await stateOf('needs-files'))?.state === 'failed' ? stateOf('needs-files') : undefined), () => 'needs-files failed');
    expect(refused!.error).toContain("the deployment grants 'filesystem', which a browser device cannot give");

    const first = await until(() => lastOn('test/peer-7/filtered'), () => `output on test/peer-7/filtered; serve:\n${serveOut}`);
    expect(JSON.parse(first.text)).toMatchObject({ ok: { value: 21.5, unit: 'Cel' } });
    writeFileSync(join(dir, 'temperature'), '23.25\n');
    const changed = await until(() => published.find((p) => p.topic === 'test/peer-7/filtered' && p.text.includes('23.25')), () => 'a reading of 23.25');
    expect(JSON.parse(changed.text).ok.value).toBe(23.25);
    await page.waitForSelector('[data-deployment="peer-reader"] .chip.state-installed');
    // serve offered both components pre-transpiled: the page fetched them instead of running jco.
    const cacheLines = await page.evaluate(() => window.wasmhost!.events().filter((e) => e.text.startsWith('cache:')).map((e) => e.text));
    expect(cacheLines.filter((l) => /fetched pre-transpiled from the host/.test(l))).toHaveLength(2);
    expect(await page.textContent('#source')).toBe(`manifest: ${pageUrl}files/kiosk.yaml`);
  });

  it('keeps key-value data and the desired state across a reload', async () => {
    const before = await until(() => lastOn('test/samples'), () => 'a count');
    const countBefore = (JSON.parse(before.text) as { ok: number }).ok;
    expect(countBefore).toBeGreaterThan(0);
    await page.evaluate(() => window.wasmhost!.flush());
    const reloadedAt = Date.now();
    await page.reload();
    await page.evaluate(() => window.wasmhostReady.then(() => undefined));
    // Restored from IndexedDB: nothing was deployed again, the source is still the manifest.
    expect(await page.evaluate(() => window.wasmhost!.source())).toEqual({ kind: 'manifest', url: `${pageUrl}files/kiosk.yaml` });
    await until(async () => (await stateOf('counter'))?.state === 'installed', () => 'counter installed again after the reload');
    const after = await until(() => lastOn('test/samples', reloadedAt + 1), () => 'a count after the reload');
    expect((JSON.parse(after.text) as { ok: number }).ok).toBeGreaterThan(countBefore);
  });

  it('stops an endless loop in its worker and restarts it, while the page and the other workloads carry on', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { ticks: number };
      w.ticks = 0;
      setInterval(() => w.ticks++, 50);
    });
    await page.evaluate(() => window.wasmhost!.deployFromUrl('/files/runaway.yaml'));
    const spinner = await until(async () => {
      const w = (await page.evaluate(() => window.wasmhost!.agent.workloads())).find((x) => x.deployment === 'runaway');
      return w && w.restarts >= 2 ? w : undefined;
    }, () => 'the runaway workload stopped and restarted twice');
    expect(spinner.lastError).toMatch(/time limit|timed out|300 ms/i);
    const t0 = Date.now();
    const ticks0 = await page.evaluate(() => (window as unknown as { ticks: number }).ticks);
    await new Promise((r) => setTimeout(r, 1500));
    const ticks1 = await page.evaluate(() => (window as unknown as { ticks: number }).ticks);
    // The page's own timers kept running (about 20 a second) while the loop ran and was stopped.
    expect(ticks1 - ticks0).toBeGreaterThan(((Date.now() - t0) / 50) * 0.5);
    const since = Date.now();
    await until(() => lastOn('test/samples', since), () => 'the counter still publishing beside the runaway');
    await until(() => lastOn('test/peer-7/filtered', since), () => 'the peer reader still publishing beside the runaway');
    await page.waitForSelector('[data-deployment="runaway"] [data-component="spinner"] .warn');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('follows a Margo fleet manager over fetch and reports statuses to it', async () => {
    const wfmDir = join(dir, 'wfm');
    mkdirSync(wfmDir);
    writeFileSync(join(wfmDir, 'counter.yaml'), counter(`${pageUrl}files/kv-counter.wasm`));
    let wfmOut = '';
    start(process.execPath, ['examples/fleet-manager/server.mjs', '--dir', wfmDir, '--port', '0'], (t) => (wfmOut += t));
    const wfmUrl = await until(() => /^(http:\/\/\S+)/m.exec(wfmOut)?.[1], () => `the fleet manager's URL:\n${wfmOut}`);
    await page.fill('#wfm-form-input', wfmUrl);
    await page.click('#wfm-form button');
    // The fleet manager's manifest holds only `counter`: the rest is removed, counter keeps running.
    await until(async () => {
      const s = await statuses();
      return s.find((x) => x.id === 'runaway')?.state === 'removed' && s.find((x) => x.id === 'counter')?.state === 'installed';
    }, () => 'the fleet manager state applied');
    const posted = await until(async () => {
      const all = (await (await fetch(`${wfmUrl}/debug/statuses`)).json()) as { deploymentId: string; status: { state: string } }[];
      return all.find((s) => s.deploymentId === 'counter' && s.status.state === 'installed');
    }, () => 'the installed status posted to the fleet manager');
    expect(posted).toMatchObject({ deviceId: 'kiosk-1' });
    const caps = (await (await fetch(`${wfmUrl}/debug/capabilities/kiosk-1`)).json()) as { manifest: { 'x-wasmhost-extensions': { class: string } } }[];
    expect(caps[0].manifest['x-wasmhost-extensions'].class).toBe('browser');

    // `wasmhost check` against the capabilities the page published: a directory grant is refused with the usual report.
    writeFileSync(join(dir, 'kiosk-1.json'), JSON.stringify(caps.at(-1)!.manifest));
    const check = (extra: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ['bin/wasmhost.js', 'check', FILTER, '--device', join(dir, 'kiosk-1.json'), '--grant', 'sensors', '--grant', 'actuators', ...extra], { encoding: 'utf8' }) };
      } catch (error) {
        const e = error as { status: number; stdout: string };
        return { code: e.status, out: e.stdout };
      }
    };
    expect(check([])).toEqual({ code: 0, out: 'kiosk-1: can run the component\n' });
    const refused = check(['--dir', '/srv/data::/data']);
    expect(refused.code).toBe(3);
    expect(refused.out).toContain("the deployment grants 'filesystem', which a browser device cannot give (it has no directories to preopen)");
  });

  it('a revoked page is disconnected, and on reload asks serve for a new credential', async () => {
    const before = await page.evaluate(() => (JSON.parse(localStorage.getItem('wasmhost.page-credential.kiosk-1')!) as { username: string }).username);
    execFileSync(process.execPath, ['bin/wasmhost.js', 'peer', 'remove', before, '--state', join(dir, 'state')], { stdio: 'pipe' });
    await expect.poll(() => page.evaluate(() => window.wasmhost!.brokerState()), { timeout: 10_000 }).toBe('disconnected');
    await page.reload();
    await page.evaluate(() => window.wasmhostReady.then(() => undefined));
    await expect.poll(() => page.textContent('#broker-state'), { timeout: 15_000 }).toBe('broker connected');
    const after = await page.evaluate(() => (JSON.parse(localStorage.getItem('wasmhost.page-credential.kiosk-1')!) as { username: string }).username);
    expect(after).toMatch(/^page-[0-9a-f]{16}$/);
    expect(after).not.toBe(before);
  });
});
