// The page as a device among others, all real (`wasmhost serve`, its broker, Chromium,
// `wasmhost peer-sim`): the README's peer-sim line against serve; a page does not log replies
// meant for another requester of a peer; one device per browser profile and id; and a page
// that outlives a serve restart with another --state gets a new credential by itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createMqttTransport } from '../../host-node/mqtt-transport.js';
import { createBridge } from '../../src/bridge/bridge.js';
import { haveChromium, launchChromium } from '../support/chromium.js';
import { startServe, until, type ServeProcess } from './support/serve-process.js';
import type {} from '../../host-browser/main.js'; // window.wasmhost's type
import { deploymentYaml } from '../support/deployment-yaml.js';

const COUNTER = 'examples/kv-counter-js/kv-counter.wasm';
const digestOf = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
const run = promisify(execFile);

const counterYaml = deploymentYaml({
  id: 'counter', version: '1.0.0', component: 'counter', packageLocation: 'kv-counter.wasm', digest: digestOf(COUNTER), limits: '{ isolation: in-process }',
  properties: `          grants: { keyvalue: { buckets: [counts] } }
          triggers: [{ kind: interval, everyMs: 300, export: count, args: ['"samples"'], output: test/samples }]
`,
});

describe.skipIf(!haveChromium)('the page among other devices: serve + peer-sim + Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmhost-page-device-'));
  const files = join(dir, 'files');
  const children: ChildProcess[] = [];
  const serveArgs = (state: string) => ['--files', files, '--cache-dir', join(dir, 'cache'), '--state', join(dir, state), '--page-peers', 'sim-1', '--allow-in-process'];
  let serve: ServeProcess;
  let browser: Browser;
  let context: BrowserContext;
  let first: Page;
  let second: Page;
  let peerSimOut = '';

  const events = (page: Page) => page.evaluate(() => window.wasmhost!.events().map((e) => `${e.who} ${e.text}`));
  const open = async (query: string) => {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.warn(`[page error] ${e.message}`));
    await page.goto(`${serve.url}${query}`);
    return page;
  };

  beforeAll(async () => {
    mkdirSync(files);
    writeFileSync(join(files, 'kv-counter.wasm'), readFileSync(COUNTER));
    writeFileSync(join(files, 'counter.yaml'), counterYaml);
    await run(process.execPath, ['bin/wasmhost.js', 'peer', 'add', 'sim-1', '--state', join(dir, 'state-a'), '--secret-file', join(dir, 'sim-1.secret')]);
    serve = await startServe(serveArgs('state-a'));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  }, 60_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await serve?.stop();
    await Promise.race([browser?.close(), new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the README's peer-sim line works against serve; refused, peer-sim exits non-zero with the reason", async () => {
    // README: `npx wasmhost peer-sim --url mqtt://127.0.0.1:1883 --count 1 --password-file sim-1.secret` (serve's broker port here).
    const sim = spawn(process.execPath, ['bin/wasmhost.js', 'peer-sim', '--url', `mqtt://127.0.0.1:${serve.brokerPort}`, '--count', '1', '--password-file', join(dir, 'sim-1.secret')], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(sim);
    sim.stdout.on('data', (d: Buffer) => (peerSimOut += d.toString()));
    sim.stderr.on('data', (d: Buffer) => (peerSimOut += d.toString()));
    await until(() => /^ready 1$/m.test(peerSimOut), () => `peer-sim ready:\n${peerSimOut}`);

    writeFileSync(join(dir, 'wrong.secret'), 'not-the-secret\n');
    const refused = await run(process.execPath, ['bin/wasmhost.js', 'peer-sim', '--url', `mqtt://127.0.0.1:${serve.brokerPort}`, '--count', '1', '--prefix', 'sim', '--password-file', join(dir, 'wrong.secret')], { timeout: 20_000 })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(refused.code).not.toBe(0);
    expect(typeof refused.code).toBe('number'); // exited by itself, not killed at the timeout
    expect(refused.stderr).toMatch(/refused the connection: .*Not authorized.*--password-file/);
  }, 40_000);

  it('does not log the replies a peer sends to another requester', async () => {
    first = await open('?device=kiosk-a');
    await first.waitForSelector('[data-peer="sim-1"].online');
    // The peer list shows each sensor's last reading, from the data the peer publishes, and its age.
    const reading = '[data-peer="sim-1"] [data-sensor="temperature"]';
    await first.waitForSelector(reading, { timeout: 10_000 });
    expect(await first.textContent(reading)).toMatch(/^temperature \d+(\.\d+)? Cel (now|\d+ s ago)$/);
    // Another device polls sim-1 (with a page credential of its own, as another page would).
    const own = (await (await fetch(`${serve.url}session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as { username: string; password: string };
    const transport = createMqttTransport({ url: `mqtt://127.0.0.1:${serve.brokerPort}`, username: own.username, password: own.password, clientId: own.username, protocolVersion: 4 });
    await transport.connect();
    const other = await createBridge({ transport, log: () => undefined });
    await until(() => other.peer('sim-1')?.online, () => 'sim-1 seen by the other device');
    for (let i = 0; i < 6; i++) expect(await other.rpc('sim-1', { op: 'read', name: 'temperature' })).toMatchObject({ ok: true });
    // The page's own request: its reply comes after the other device's ones, on the same topic.
    expect(await first.evaluate(() => window.wasmhost!.bridge!.rpc('sim-1', { op: 'read', name: 'temperature' }))).toMatchObject({ ok: true });
    expect((await events(first)).filter((l) => l.includes('ignored a reply'))).toEqual([]);
    await other.close();
    await transport.close();
  }, 40_000);

  it('runs one device per browser profile and id: a second tab waits or takes over; ?device= keeps its own storage and does not become the default', async () => {
    await first.evaluate(() => window.wasmhost!.deployFromUrl('/files/counter.yaml'));
    second = await open('?device=kiosk-a');
    await second.waitForSelector('#device-elsewhere');
    expect(await second.textContent('#device-elsewhere')).toContain('already running in another tab');
    expect(await second.evaluate(() => window.wasmhost)).toBeUndefined();
    // Taking over stops the device in the first tab, and it says why.
    await second.click('#take-over');
    await second.evaluate(() => window.wasmhostReady.then(() => undefined));
    await first.waitForSelector('#taken-over');
    expect(await first.evaluate(() => window.wasmhost!.running())).toBe(false);
    await until(async () => (await second.evaluate(() => window.wasmhost!.agent.statuses().find((s) => s.deploymentId === 'counter')?.status.state)) === 'installed', () => 'counter running in the second tab');

    // Another id in a third tab: a device of its own, with none of kiosk-a's deployments.
    const third = await open('?device=other');
    await third.evaluate(() => window.wasmhostReady.then(() => undefined));
    expect(await third.evaluate(() => window.wasmhost!.agent.statuses())).toEqual([]);
    expect(await third.evaluate(() => window.wasmhost!.source())).toBeUndefined();
    // A tab without ?device= gets the browser's own default id, not the last one asked for.
    const plain = await open('');
    const plainId = await plain.evaluate(() => window.wasmhostReady.then((d) => d.id));
    expect(plainId).toMatch(/^browser-[0-9a-f]{10}$/);
    await plain.close();
    await third.close();
    await first.close();
  }, 60_000);

  it('recovers by itself when serve restarts with another state, and says what is wrong meanwhile', async () => {
    const key = 'wasmhost.page-credential.kiosk-a';
    const before = await second.evaluate((k) => (JSON.parse(localStorage.getItem(k)!) as { username: string }).username, key);
    await expect.poll(() => second.textContent('#broker-state')).toBe('broker connected');
    await serve.stop();
    await second.waitForSelector('#broker-banner:not([hidden])');
    expect(await second.textContent('#broker-banner')).toMatch(/not connected to the broker|cannot connect/);
    // Outputs made meanwhile are not reported as published.
    await until(async () => (await events(second)).some((l) => l.startsWith('test/samples not sent')), async () => `a "not sent" output:\n${(await events(second)).slice(-5).join('\n')}`);

    // The same port, another --state: the page's credential means nothing there.
    serve = await startServe(serveArgs('state-b'), serve.port);
    await expect.poll(() => second.textContent('#broker-state'), { timeout: 30_000 }).toBe('broker connected');
    const after = await second.evaluate((k) => (JSON.parse(localStorage.getItem(k)!) as { username: string }).username, key);
    expect(after).toMatch(/^page-[0-9a-f]{16}$/);
    expect(after).not.toBe(before);
    expect(await second.isHidden('#broker-banner')).toBe(true);
  }, 60_000);
});
