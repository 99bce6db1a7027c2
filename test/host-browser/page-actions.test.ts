// Per-deployment actions in the page console (Chromium against a real `wasmhost serve`):
// Restart stops a deployment's instance and starts it again from its spec; Remove asks first,
// saying what the desired state loses, and then takes only that deployment out of it. A slow
// download shows on its card while it runs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { startServe, until, type ServeProcess } from './support/serve-process.js';
import { startSlowPackageServer } from '../support/slow-package-server.js';
import type {} from '../../host-browser/main.js'; // window.wasmhost's type
import { deploymentYaml } from '../support/deployment-yaml.js';

const COUNTER = 'examples/kv-counter-js/kv-counter.wasm';
const SHOTS = join('test-results', 'console');
const DIGEST = `sha256:${createHash('sha256').update(readFileSync(COUNTER)).digest('hex')}`;

function counter(id: string, location = 'kv-counter.wasm'): string {
  return deploymentYaml({
    id, version: '1.0.0', component: 'counter', packageLocation: location, digest: DIGEST,
    properties: `          grants: { keyvalue: { buckets: [counts] } }
          triggers: [{ kind: interval, everyMs: 250, export: count, args: ['"${id}"'], output: test/${id} }]
`,
  });
}

describe.skipIf(!haveChromium)('per-deployment actions in the page console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-actions-'));
  const files = join(dir, 'files');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const stateOf = (id: string) => page.evaluate((d) => window.wasmhost!.agent.statuses().find((s) => s.deploymentId === d)?.status.state, id);
  const statesOf = (id: string) => page.evaluate((d) => window.wasmhost!.events().filter((e) => e.kind === 'agent' && e.who === d && /^[a-z]+$/.test(e.text)).map((e) => e.text), id);

  beforeAll(async () => {
    mkdirSync(files);
    writeFileSync(join(files, 'kv-counter.wasm'), readFileSync(COUNTER));
    writeFileSync(join(files, 'two.yaml'), [counter('alpha'), counter('beta')].join('---\n'));
    serve = await startServe(['--files', files, '--cache-dir', join(dir, 'cache'), '--state', join(dir, 'state')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.warn(`[page error] ${e.message}`));
    await page.goto(`${serve.url}?device=actions-1`);
    await page.evaluate(() => window.wasmhostReady.then(() => undefined));
    await page.evaluate(() => window.wasmhost!.deployFromUrl('/files/two.yaml').then(() => undefined));
  }, 90_000);

  let slow: Awaited<ReturnType<typeof startSlowPackageServer>> | undefined;

  afterAll(async () => {
    slow?.close();
    await serve?.stop();
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a slow download on its card until it is done', async () => {
    slow = await startSlowPackageServer(readFileSync(COUNTER), 'kv-counter.wasm');
    writeFileSync(join(files, 'slow.yaml'), counter('slow', slow.url));
    // Another device id: its component store (IndexedDB) does not hold kv-counter yet.
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await other.goto(`${serve.url}?device=actions-slow`);
    await other.evaluate(() => window.wasmhostReady.then(() => undefined));
    void other.evaluate(() => window.wasmhost!.deployFromUrl('/files/slow.yaml').then(() => undefined));
    const line = await other.waitForSelector('[data-deployment="slow"] .progress-line:visible', { timeout: 15_000 });
    expect(await line.textContent()).toMatch(/^counter: fetching kv-counter\.wasm: [\d.]+( KiB)? of 1\.6 MiB$/);
    expect(await other.evaluate(() => window.wasmhost!.agent.statuses().find((s) => s.deploymentId === 'slow')?.status.state)).toBe('installing');
    slow.finish();
    await other.waitForSelector('[data-deployment="slow"] .chip.state-installed', { timeout: 30_000 });
    expect(await other.isHidden('[data-deployment="slow"] .progress-line')).toBe(true);
    await other.close();
  });

  it('restarts a deployment: its instance stops and starts again, the card says so', async () => {
    const card = '[data-deployment="alpha"]';
    await page.waitForSelector(`${card} .chip.state-installed`);
    const before = (await statesOf('alpha')).length;
    await page.click(`${card} button.restart`);
    await page.waitForSelector(`${card} .action-message:has-text("restarted at")`);
    expect((await statesOf('alpha')).slice(before)).toEqual(['installing', 'installed']);
    expect(await page.evaluate(() => window.wasmhost!.events().some((e) => e.who === 'alpha' && e.text.includes('restarting version 1.0.0 on request')))).toBe(true);
    expect(await page.evaluate(() => window.wasmhost!.agent.workloads().filter((w) => w.deployment === 'alpha' && !w.dead).length)).toBe(1);
    expect(await stateOf('beta')).toBe('installed');
    await page.click('[data-deployment="beta"] button.remove');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'page-actions-1280x800.png') });
    await page.click('[data-deployment="beta"] button.remove-cancel');
  });

  it('asks before removing a deployment, and removes only that one', async () => {
    const card = '[data-deployment="beta"]';
    await page.click(`${card} button.remove`);
    await page.waitForSelector(`${card} .remove-question`);
    expect(await page.textContent(`${card} .remove-question`)).toBe('This removes beta from the desired state: it stops and is removed. The rest keeps running.');
    await page.click(`${card} button.remove-cancel`);
    expect(await page.isHidden(`${card} .remove-question`)).toBe(true);
    expect(await stateOf('beta')).toBe('installed');

    await page.click(`${card} button.remove`);
    await page.click(`${card} button.remove-confirm`);
    await until(async () => (await stateOf('beta')) === 'removed', () => 'beta removed');
    await page.waitForSelector(card, { state: 'detached' });
    expect(await stateOf('alpha')).toBe('installed');
    expect(await page.evaluate(() => window.wasmhost!.desired().map((d) => d.id))).toEqual(['alpha']);
  });
});
