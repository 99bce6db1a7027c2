// `wasmhost conformance --page`: the host's own page, served by a real `wasmhost serve` on
// loopback, passes every browser requirement in Debian's Chromium; pages broken on purpose
// (by an init script wrapping the device the page exposes, as a vendor's faulty build would
// behave) fail exactly the requirement they break.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { runPageProbes } from '../../../host-node/conformance/page-probes.js';
import { BROWSER_REQUIREMENTS } from '../../../src/conformance/requirements.js';
import type { ProbeResult } from '../../../src/conformance/report.js';
import { haveChromium } from '../../support/chromium.js';

const BUNDLE = 'dist/host-browser/index.html';
const MISSING = [!haveChromium && 'chromium (apt-get install chromium)', !existsSync(BUNDLE) && `${BUNDLE} (npm run build)`].filter(Boolean);
if (MISSING.length) console.warn(`conformance --page test skipped: missing ${MISSING.join(', ')}`);

const notPassed = (results: ProbeResult[]) => results.filter((r) => r.status !== 'PASS').map((r) => `${r.status} ${r.id}`);

/** An init script: wraps the device the page's main.ts publishes as window.wasmhostReady. */
function breakDevice(change: string): (page: Page) => Promise<unknown> {
  return (page) => page.addInitScript(`(() => {
    let ready;
    Object.defineProperty(window, 'wasmhostReady', {
      configurable: true,
      get: () => ready,
      set: (p) => { ready = p.then((device) => { ${change}; return device; }); },
    });
  })();`);
}

/** Runs the real bin without blocking this process, whose `serve` child must keep answering. */
function wasmhostAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/wasmhost.js', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(MISSING.length > 0)('wasmhost conformance --page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-conformance-page-'));
  let serve: ChildProcess;
  let url = '';

  beforeAll(async () => {
    mkdirSync(join(dir, 'files'));
    serve = spawn(process.execPath, ['bin/wasmhost.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--broker-port', '0', '--files', join(dir, 'files'),
      '--state', join(dir, 'state'), '--cache-dir', join(dir, 'cache')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    url = await new Promise<string>((resolve, reject) => {
      const seen = (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\S+)/.exec(out);
        if (m) resolve(m[1].replace(/\/?$/, '/'));
      };
      serve.stdout!.on('data', seen);
      serve.stderr!.on('data', seen);
      serve.on('exit', (code) => reject(new Error(`serve exited (${String(code)}):\n${out}`)));
    });
  }, 60_000);

  afterAll(() => {
    serve?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes the host's own page on every requirement, through the CLI as JSON, exit code 0", async () => {
    const run = await wasmhostAsync(['conformance', '--page', url, '--json']);
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as ProbeResult[];
    expect(results.map((r) => r.id)).toEqual(BROWSER_REQUIREMENTS.map((r) => r.id));
    expect(notPassed(results)).toEqual([]);
    expect(run.code).toBe(0);
  }, 180_000);

  it('fails BRW-limit-time and BRW-limit-memory only, for a page whose workers ignore the time and memory limits', async () => {
    const results = await runPageProbes({ url, prepare: breakDevice(`const host = device.host;
      const startIsolated = host.startIsolated.bind(host);
      device = { ...device, host: { ...host, startIsolated: (c, o) => startIsolated(c, { ...o, limits: { ...o.limits, callTimeoutMs: 600000, memoryBytes: 2 ** 30 } }) } }`) });
    expect(notPassed(results)).toEqual(['FAIL BRW-limit-time', 'FAIL BRW-limit-memory']);
    expect(results.find((r) => r.id === 'BRW-limit-memory')!.detail).toMatch(/^memory grew to \d+ pages of 64 KiB with a limit of 64$/);
    expect(results.find((r) => r.id === 'BRW-limit-time')!.detail).toMatch(/^an endless loop was still running after \d+ ms \(callTimeoutMs 1000\)$/);
  }, 180_000);

  it('fails the actuators interface requirement, for a page whose device provider lost wasmhost:device/actuators', async () => {
    const results = await runPageProbes({ url, prepare: breakDevice(`const list = device.host.providers;
      const i = list.findIndex((p) => p.offers.some((o) => o.name === 'wasmhost:device/actuators'));
      list[i] = { ...list[i], offers: list[i].offers.filter((o) => o.name !== 'wasmhost:device/actuators') }`) });
    expect(notPassed(results)).toEqual(['FAIL BRW-iface-wasmhost-device-actuators', 'SKIP BRW-grant-scoped']);
    expect(results.find((r) => r.id === 'BRW-iface-wasmhost-device-actuators')!.detail).toContain('wasmhost:device/actuators@0.1.0: not provided by this host');
  }, 180_000);

  it('fails BRW-isolated and skips the rest, for the page served without cross-origin isolation', async () => {
    // A page whose device never starts: main.ts refuses to run without cross-origin isolation.
    const results = await runPageProbes({ url, prepare: (page) => page.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = Object.fromEntries(Object.entries(response.headers()).filter(([k]) => !/^cross-origin-(opener|embedder)-policy$/.test(k)));
      await route.fulfill({ response, headers });
    }) });
    expect(results[0]).toMatchObject({ id: 'BRW-isolated', status: 'FAIL' });
    expect(results.slice(1).every((r) => r.status === 'SKIP' && r.detail.includes('not cross-origin isolated'))).toBe(true);
  }, 180_000);
});
