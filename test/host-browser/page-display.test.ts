// A screen workload in Chromium: the greenhouse-panel example, deployed to a page by a real
// `wasmhost serve`, draws through wasmhost:display in its Web Worker, and the page shows the
// panel (a value, a growing chart) in place; removing the deployment takes the panel down.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { startServe, until, type ServeProcess } from './support/serve-process.js';
import type {} from '../../host-browser/main.js'; // window.wasmhost's type
import { deploymentYaml } from '../support/deployment-yaml.js';

const PANEL = 'examples/greenhouse-panel-js/greenhouse-panel.wasm';
const DIGEST = `sha256:${createHash('sha256').update(readFileSync(PANEL)).digest('hex')}`;
const SHOTS = join('test-results', 'console');

const deployment = (panels: string) => deploymentYaml({
  id: 'screen', version: '1.0.0', component: 'panel', packageLocation: 'greenhouse-panel.wasm', digest: DIGEST, limits: '{ isolation: worker, callTimeoutMs: 5000 }',
  properties: `          grants: { sensors: [temperature], display: [${panels}] }
          triggers: [{ kind: interval, everyMs: 300, export: refresh }]
`,
});

describe.skipIf(!haveChromium)('a workload draws a panel on the page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-page-display-'));
  const files = join(dir, 'files');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(files);
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(files, 'greenhouse-panel.wasm'), readFileSync(PANEL));
    writeFileSync(join(files, 'screen.yaml'), deployment('greenhouse'));
    serve = await startServe(['--files', files, '--cache-dir', join(dir, 'cache'), '--state', join(dir, 'state')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    page.on('pageerror', (e) => console.warn(`[page error] ${e.message}`));
    await page.goto(`${serve.url}?device=screen-1`);
    await page.evaluate(() => window.wasmhostReady.then(() => undefined));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the panel, updates its chart in place, as a kiosk too, and removes it with the deployment', async () => {
    expect(await page.isHidden('#panels')).toBe(true);
    await page.fill('#deploy-form-input', '/files/screen.yaml');
    await page.click('#deploy-form button');
    const panel = '#panels article[data-panel="greenhouse"]';
    await page.waitForSelector(`${panel} [data-key="temperature"] dd`, { timeout: 30_000 });
    expect(await page.textContent(`${panel} h3`)).toBe('Greenhouse');
    expect(await page.textContent(`${panel} small`)).toBe('screen/panel · greenhouse');
    expect(await page.textContent(`${panel} [data-key="temperature"] dd`)).toMatch(/^-?\d+(\.\d)? Cel$/);
    // The chart grows, drawn into the same element (marked here) as points arrive.
    const chart = `${panel} [data-key="temperature trend"] svg`;
    await page.$eval(chart, (svg) => svg.setAttribute('data-marked', '1'));
    const pointsIn = () => page.$eval(`${chart} polyline`, (p) => (p.getAttribute('points') ?? '').split(' ').filter(Boolean).length);
    await until(async () => (await pointsIn()) >= 4, async () => `4 chart points, saw ${await pointsIn()}`);
    expect(await page.getAttribute(chart, 'data-marked')).toBe('1');
    expect(await page.getAttribute(chart, 'aria-label')).toMatch(/^temperature trend: \d+ points, last -?\d+(\.\d)? Cel$/);
    await page.screenshot({ path: join(SHOTS, 'panel-800x480.png') });

    // The same device as a kiosk: the panel, no controls.
    await page.goto(`${serve.url}?device=screen-1&kiosk`);
    await page.waitForSelector(`${panel} [data-key="temperature"] dd`, { timeout: 30_000 });
    expect(await page.isHidden('#controls')).toBe(true);
    expect(await page.isHidden('#capabilities')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'page-kiosk-800x480.png') });

    await page.evaluate(() => window.wasmhost!.clear());
    await page.waitForSelector('#panels', { state: 'hidden' });
    expect(await page.$(panel)).toBeNull();
  });
});
