// The page's console in Chromium against a real `wasmhost serve`: what a deploy changes is
// shown before, and removals are asked for; "Remove all" asks; an apply that fails never says
// "done"; a failed update reads as one, with its error once; the view updates in place (a
// selection and the activity list's scroll survive); YAML error frames keep their lines;
// digests do not overflow; text contrast is at least 4.5:1 in light and dark; the activity
// survives a reload and problems can be filtered. Screenshots at 1280×800 and 800×480 go to
// test-results/console/ (not committed).
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

const COUNTER = 'examples/kv-counter-js/kv-counter.wasm';
const DIGEST = `sha256:${createHash('sha256').update(readFileSync(COUNTER)).digest('hex')}`;
const SHOTS = join('test-results', 'console');

/** An ApplicationDeployment of the key-value counter as `id`, at `version`, with `digest`. */
function counter(id: string, version: string, digest = DIGEST): string {
  return deploymentYaml({
    id, version, component: 'counter', packageLocation: 'kv-counter.wasm', digest, limits: '{ isolation: in-process }',
    properties: `          grants: { keyvalue: { buckets: [counts] } }
          triggers: [{ kind: interval, everyMs: 250, export: count, args: ['"${id}"'], output: test/${id} }]
`,
  });
}
const needsFiles = `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
id: needs-files
metadata:
  name: needs-files
  annotations: { applicationId: needs-files, applicationVersion: 1.0.0 }
spec:
  deploymentProfile:
    type: wasm.component
    components:
      - name: counter
        properties: { packageLocation: kv-counter.wasm, digest: ${DIGEST}, grants: { filesystem: { /data: /srv/data } } }
`;

/** WCAG contrast of every visible text against its background, the failures listed. */
const lowContrast = (page: Page, dark: boolean) => page.evaluate((dark) => {
  const rgba = (text: string) => (text.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]) => {
    const c = [r, g, b].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (node: Element | null): number[] => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return dark ? [18, 18, 18] : [255, 255, 255]; // Chromium's canvas in each scheme
  };
  const failures: string[] = [];
  for (const node of Array.from(document.querySelectorAll('body *'))) {
    const own = Array.from(node.childNodes).some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim() !== '');
    if (!own || !(node as HTMLElement).offsetParent) continue;
    const fg = rgba(getComputedStyle(node).color);
    const [a, b] = [lum(fg), lum(background(node))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) failures.push(`${node.tagName.toLowerCase()}.${(node as HTMLElement).className} "${node.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
  return failures;
}, dark);

describe.skipIf(!haveChromium)('the page console in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-console-'));
  const files = join(dir, 'files');
  let serve: ServeProcess;
  let browser: Browser;
  let page: Page;
  const stateOf = async (id: string) => page.evaluate((d) => window.wasmhost!.agent.statuses().find((s) => s.deploymentId === d)?.status.state, id);
  const deploy = async (path: string) => {
    await page.fill('#deploy-form-input', path);
    await page.click('#deploy-form button[type=submit]');
  };
  const message = () => page.textContent('#deploy-form-message');

  beforeAll(async () => {
    mkdirSync(files);
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(files, 'kv-counter.wasm'), readFileSync(COUNTER));
    writeFileSync(join(files, 'v1.yaml'), [counter('counter', '1.0.0'), needsFiles].join('---\n'));
    writeFileSync(join(files, 'v2-broken.yaml'), [counter('counter', '2.0.0', `sha256:${'0'.repeat(64)}`), needsFiles].join('---\n'));
    writeFileSync(join(files, 'other.yaml'), counter('other', '1.0.0'));
    writeFileSync(join(files, 'bad.yaml'), 'apiVersion: application.margo.org/v1alpha1\nkind: ApplicationDeployment\nid: [oops\nmetadata:\n  name: x\n');
    serve = await startServe(['--files', files, '--cache-dir', join(dir, 'cache'), '--state', join(dir, 'state'), '--allow-in-process']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.warn(`[page error] ${e.message}`));
    await page.goto(`${serve.url}?device=console-1`);
    await page.evaluate(() => window.wasmhostReady.then(() => undefined));
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says an apply failed instead of "done" when one of its deployments failed', async () => {
    await deploy('/files/v1.yaml');
    await until(async () => /failed/.test((await message()) ?? ''), async () => `the outcome, not "${await message()}"`);
    expect(await message()).toMatch(/needs-files failed/);
    expect(await message()).not.toBe('done');
    expect(await stateOf('counter')).toBe('installed');
    // Under the component's row, folded: its grants, trigger, calls and its own log.
    const details = '[data-deployment="counter"] .workload-details';
    await page.click(`${details} summary`);
    expect(await page.textContent(`${details} .grants`)).toBe('keyvalue: buckets counts');
    // Its linear memory against its cap; no heap figure, which a page cannot measure per worker.
    expect(await page.textContent(`${details} .memory`)).toMatch(/^\d+(\.\d)? (KiB|MiB) of \d+ MiB linear memory$/);
    await page.waitForFunction(() => / debug kv-counter: counter: count \d+$/.test(document.querySelector('[data-deployment="counter"] .own-log')?.textContent ?? ''));
  });

  it('shows a failed update as one, v1 still running, with its error once', async () => {
    await deploy('/files/v2-broken.yaml');
    const card = '[data-deployment="counter"]';
    await until(async () => (await stateOf('counter')) === 'failed', () => 'the update to fail');
    await page.waitForSelector(`${card} .chip.state-update-failed`);
    expect(await page.textContent(`${card} .chip`)).toBe('update failed, v1.0.0 still running');
    expect(await page.$$(`${card} .chip.state-failed`)).toHaveLength(0);
    const error = await page.evaluate(() => window.wasmhost!.agent.statuses().find((s) => s.deploymentId === 'counter')!.components[0].error!.message);
    const text = await page.textContent(card);
    expect(text!.split(error).length - 1).toBe(1);
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'desktop-1280x800.png') });
  });

  it('updates in place: a selection, the nodes and the activity scroll survive new activity and the 1 s tick', async () => {
    const marked = await page.evaluate(() => {
      const line = document.querySelector('[data-deployment="counter"] .status-line')!;
      (line as unknown as { marker: boolean }).marker = true;
      getSelection()!.selectAllChildren(line);
      const log = document.getElementById('event-log')!;
      log.scrollTop = 60;
      const top = Array.from(log.children).find((li) => (li as HTMLElement).offsetTop + (li as HTMLElement).offsetHeight > log.offsetTop + log.scrollTop)!;
      (top as unknown as { marker: boolean }).marker = true;
      return { selected: getSelection()!.toString(), seqs: log.children.length, top: (top as HTMLElement).offsetTop - log.scrollTop };
    });
    expect(marked.selected).toMatch(/counter/);
    const firstSeq = await page.evaluate(() => window.wasmhost!.events().at(-1)!.seq);
    await until(() => page.evaluate((s) => window.wasmhost!.events().at(-1)!.seq > s + 3, firstSeq), () => 'new activity');
    await page.waitForTimeout(1200); // at least one 1 s redraw tick
    const after = await page.evaluate(() => {
      const line = document.querySelector('[data-deployment="counter"] .status-line') as unknown as { marker?: boolean };
      const log = document.getElementById('event-log')!;
      const top = Array.from(log.children).find((li) => (li as unknown as { marker?: boolean }).marker) as HTMLElement | undefined;
      return { same: line.marker === true, selected: getSelection()!.toString(), top: top && top.offsetTop - log.scrollTop };
    });
    expect(after.same).toBe(true);
    expect(after.selected).toBe(marked.selected);
    expect(after.top).toBeCloseTo(marked.top, -1);
  });

  it('shows a YAML error frame with its lines and the caret under its column', async () => {
    await deploy('/files/bad.yaml');
    await page.waitForSelector('#deploy-form-message.error');
    const lines = await page.evaluate(() => (document.getElementById('deploy-form-message') as HTMLElement).innerText.split('\n'));
    const caret = lines.findIndex((l) => l.trim() === '^');
    expect(caret).toBeGreaterThan(0);
    expect(lines[caret - 1]).toBe('metadata:');
    expect(lines[caret].indexOf('^')).toBe(0); // column 1
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('deploy-form-message')!).fontFamily)).toMatch(/mono/);
  });

  it('asks before a deploy removes deployments, and before removing all', async () => {
    await deploy('/files/other.yaml');
    await page.waitForSelector('#deploy-diff:not([hidden])');
    expect(await page.textContent('#deploy-diff-text')).toBe('This manifest adds other · removes counter, needs-files. counter, needs-files will stop and be removed.');
    expect(await stateOf('counter')).toBe('failed'); // still v1 running: nothing applied yet
    await page.click('#deploy-cancel');
    expect(await message()).toBe('cancelled: nothing changed');
    expect(await page.evaluate(() => window.wasmhost!.agent.workloads().filter((w) => !w.dead).map((w) => w.deployment))).toEqual(['counter']);

    await page.click('#clear');
    await page.waitForSelector('#clear-confirm');
    expect(await page.textContent('#clear-text')).toBe('Stop and remove counter, needs-files, and forget the desired state?');
    await page.click('#clear-cancel');
    expect(await stateOf('counter')).toBe('failed');

    await deploy('/files/other.yaml');
    await page.click('#deploy-confirm');
    await until(async () => (await stateOf('other')) === 'installed' && (await stateOf('counter')) === 'removed', () => 'other applied');
    expect(await message()).toBe('applied: adds other · removes counter, needs-files');
  });

  it('shows long digests with an ellipsis and the full value in the title, nothing overflows its column at 800×480', async () => {
    await page.setViewportSize({ width: 800, height: 480 });
    const digest = await page.waitForSelector('[data-deployment="other"] .digest');
    expect(await digest.getAttribute('title')).toBe(DIGEST);
    const box = await page.evaluate(() => {
      const d = document.querySelector('[data-deployment="other"] .digest') as HTMLElement;
      return { truncated: d.scrollWidth > d.clientWidth, ellipsis: getComputedStyle(d).textOverflow };
    });
    expect(box).toEqual({ truncated: true, ellipsis: 'ellipsis' });
    const overflowing = await page.evaluate(() => Array.from(document.querySelectorAll('main > section')).flatMap((section) => {
      const right = section.getBoundingClientRect().right + 1;
      return Array.from(section.querySelectorAll('*')).filter((n) => (n as HTMLElement).offsetParent && n.getBoundingClientRect().right > right && !n.closest('.events')).map((n) => `${n.tagName} ${n.className}`);
    }));
    expect(overflowing).toEqual([]);
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, 'kiosk-800x480.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('keeps text contrast at 4.5:1 or more in the light and the dark scheme', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark');
      const failures = await lowContrast(page, colorScheme === 'dark');
      expect({ colorScheme, failures }).toEqual({ colorScheme, failures: [] });
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, `desktop-${colorScheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('keeps the activity across a reload, and can show only the problems', async () => {
    const before = await page.evaluate(() => window.wasmhost!.events().filter((e) => e.level === 'error').map((e) => e.text));
    expect(before.length).toBeGreaterThan(0);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 1100))); // the activity is saved at most once a second
    await page.reload();
    await page.evaluate(() => window.wasmhostReady.then(() => undefined));
    const restored = await page.evaluate(() => window.wasmhost!.events().map((e) => e.text));
    expect(restored).toEqual(expect.arrayContaining(before));
    await page.check('#only-problems');
    const shown = await page.$$eval('#event-log li', (lis) => lis.map((li) => li.className));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((c) => /level-(error|critical|warn)/.test(c))).toBe(true);
    expect(await page.textContent('#event-log')).toContain(before[0]);
  });

  it('removes all workloads once confirmed', async () => {
    await page.click('#clear');
    expect(await page.textContent('#clear-text')).toBe('Stop and remove other, and forget the desired state?');
    await page.click('#clear-confirm');
    await until(async () => (await stateOf('other')) === 'removed', () => 'other removed');
    expect(await page.evaluate(() => window.wasmhost!.source())).toBeUndefined();
  });
});
