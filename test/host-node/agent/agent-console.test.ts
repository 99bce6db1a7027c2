// The Node agent's console in Chromium: `wasmhost agent --console-port` serves the same console
// view as the page, fed by the agent's snapshot; a screen workload's panel is drawn; a deployment
// restarts from its card (no remove: the folder decides); kiosk mode has no controls; the console
// says when it lost the agent; only loopback Host headers, and actions only from its own page.
// Screenshots (1280×800, kiosk 800×480) go to test-results/console/.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { haveChromium, launchChromium } from '../../support/chromium.js';
import { startAgent, type AgentProcess } from './agent-process.js';
import { deploymentYaml } from './fleet-fixtures.js';

const PANEL = 'examples/greenhouse-panel-js/greenhouse-panel.wasm';
const SHOTS = join('test-results', 'console');

/** A raw GET/POST with a chosen Host header (fetch would set its own). */
function raw(url: string, method: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request(url, { method, headers: { host, ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    r.on('error', reject);
    r.end();
  });
}

describe.skipIf(!haveChromium)('the Node agent console', () => {
  let agent: AgentProcess;
  let consoleUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const root = await mkdtemp(join(tmpdir(), 'wasmhost-agent-console-'));
    const desired = join(root, 'desired');
    await mkdir(desired);
    await copyFile(PANEL, join(desired, 'greenhouse-panel.wasm'));
    await writeFile(join(desired, 'screen.yaml'), deploymentYaml({
      id: 'screen', version: '1.0.0', packageLocation: 'greenhouse-panel.wasm',
      digest: `sha256:${createHash('sha256').update(readFileSync(PANEL)).digest('hex')}`,
      properties: `          grants: { sensors: ['*'], display: [greenhouse] }
          triggers:
            - { kind: interval, everyMs: 300, export: refresh }
`,
    }));
    agent = startAgent(['--desired', desired, '--console-port', '0'], join(root, 'state'));
    await agent.untilOutput(/console http:\/\/127\.0\.0\.1:\d+\//, 60_000);
    consoleUrl = /console (http:\/\/127\.0\.0\.1:\d+\/)/.exec(agent.output())![1]!;
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop('SIGKILL');
  });

  it('shows the deployment and the panel it draws, updated in place', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(consoleUrl);
    await page.waitForSelector('[data-deployment="screen"] .chip.state-installed', { timeout: 60_000 });
    expect(await page.textContent('#device-class')).toBe('class linux');
    expect(await page.textContent('#source')).toMatch(/^manifest: \/.*desired$/);
    const value = '#panels article[data-panel="greenhouse"] [data-key="temperature"] dd';
    await page.waitForSelector(value);
    expect(await page.textContent(value)).toMatch(/^-?\d+(\.\d)? Cel$/);
    await page.$eval(value, (dd) => dd.setAttribute('data-marked', '1'));
    await page.waitForFunction(() => (document.querySelector('[data-key="temperature trend"] polyline')?.getAttribute('points') ?? '').split(' ').length >= 3);
    expect(await page.getAttribute(value, 'data-marked')).toBe('1');
    // The component's grants, triggers, limits and trigger calls, folded under its row.
    const details = '[data-deployment="screen"] .workload-details';
    await page.click(`${details} summary`);
    expect(await page.textContent(`${details} .grants`)).toBe('sensors: *\ndisplay: greenhouse');
    expect(await page.textContent(`${details} .triggers`)).toBe('every 300 ms: refresh()');
    expect(await page.textContent(`${details} .limits`)).toMatch(/^own worker · calls ≤ \d+ ms · memory ≤ \d+ MiB$/);
    // Its memory as the worker reported it, against its cap; the snapshot carries the figures.
    expect(await page.textContent(`${details} .memory`)).toMatch(/^\d+(\.\d)? (KiB|MiB) of \d+ MiB linear memory · worker heap \d+(\.\d)? (KiB|MiB)$/);
    const snapshot = await (await fetch(`${consoleUrl}api/snapshot`)).json() as { workloads: { deployment: string; memory?: { linearBytes: number; limitBytes?: number; heapBytes?: number } }[] };
    const memory = snapshot.workloads.find((w) => w.deployment === 'screen')?.memory;
    expect(memory?.linearBytes).toBeGreaterThanOrEqual(65536);
    expect(memory?.limitBytes).toBeGreaterThan(memory!.linearBytes);
    expect(memory?.heapBytes).toBeGreaterThan(0);
    await page.waitForFunction(() => /^([2-9]|\d\d+) calls · 0 errors · [\d.]+ ms mean$/.test(document.querySelector('.workload-details summary')?.textContent ?? ''));
    expect(await page.textContent(`${details} .last`)).toMatch(/^\d\d:\d\d:\d\d \{"ok":1\}$/);
    expect(await page.getAttribute(`${details}`, 'open')).toBe('');
    // The agent's activity: the status line of the install and the panel's interval calls are there.
    expect(await page.textContent('#event-log')).toContain('screen');
    expect(await page.isVisible('#controls-note')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'agent-1280x800.png') });
    // Restart, but no Remove: the agent's desired state is its folder (or a fleet manager).
    expect(await page.$('[data-deployment="screen"] .actions .remove')).toBeNull();
    await page.click('[data-deployment="screen"] .actions .restart');
    await page.waitForFunction(() => /^restarted at \d\d:\d\d:\d\d$/.test(document.querySelector('[data-deployment="screen"] .action-message')?.textContent ?? ''));
    expect(agent.output()).toMatch(/restarting version 1\.0\.0 on request/);
    await page.close();
  });

  it('kiosk mode shows no controls', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    await page.goto(`${consoleUrl}?kiosk`);
    await page.waitForSelector('#panels article[data-panel="greenhouse"]', { timeout: 30_000 });
    expect(await page.isHidden('#controls')).toBe(true);
    expect(await page.isHidden('#capabilities')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'agent-kiosk-800x480.png') });
    await page.close();
  });

  it('answers only a loopback Host, and takes a restart only from its own page', async () => {
    const host = new URL(consoleUrl).host;
    const restart = `${consoleUrl}api/deployments/screen/restart`;
    expect(await raw(`${consoleUrl}api/snapshot`, 'GET', host)).toBe(200);
    expect(await raw(`${consoleUrl}api/snapshot`, 'GET', 'attacker.example:80')).toBe(421);
    expect(await raw(`${consoleUrl}api/snapshot`, 'POST', host)).toBe(405);
    expect(await raw(`${consoleUrl}..%2f..%2fpackage.json`, 'GET', host)).toBe(404);
    // A cross-site form sends no custom header; a cross-site fetch with one is preflighted (and refused) first.
    expect(await raw(restart, 'POST', host)).toBe(403);
    expect(await raw(restart, 'POST', host, { 'x-wasmhost-console': '1', origin: 'http://attacker.example' })).toBe(403);
    expect(await raw(restart, 'POST', 'attacker.example:80', { 'x-wasmhost-console': '1' })).toBe(421);
    expect(await raw(`${consoleUrl}api/deployments/nothing-here/restart`, 'POST', host, { 'x-wasmhost-console': '1', origin: `http://${host}` })).toBe(404);
    expect(await raw(restart, 'POST', host, { 'x-wasmhost-console': '1', origin: `http://${host}` })).toBe(200);
  });

  it('says it lost the agent, keeping what it last saw', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(consoleUrl);
    await page.waitForSelector('[data-deployment="screen"]');
    await agent.stop('SIGKILL');
    await page.waitForSelector('#console-offline', { state: 'visible', timeout: 10_000 });
    expect(await page.textContent('#console-offline')).toContain('Lost contact with the agent');
    expect(await page.isVisible('[data-deployment="screen"]')).toBe(true);
    await page.close();
  });
});
