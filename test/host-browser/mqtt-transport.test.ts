// The browser MqttTransport (MQTT over WebSocket, mqtt.js's browser build) in Debian's Chromium,
// against the embedded broker's WebSocket listener, talking to a Node transport on TCP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBrowser } from '../../host-browser/build.mjs';
import { startBroker, type RunningBroker } from '../../host-node/broker.js';
import { createMqttTransport } from '../../host-node/mqtt-transport.js';
import { HOST_USERNAME } from '../../src/bridge/acl.js';
import type { MqttMessage, MqttTransport } from '../../src/ports/mqtt-transport.js';
import { haveChromium, launchChromium, serveDir } from '../support/chromium.js';
import type { MqttPageApi } from './pages/mqtt-page.js';

const PASSWORD = 'browser-test-pw';
const ROOT = 'wasmhost/v1/workloads';

let broker: RunningBroker;
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDir>>;
let dir: string;
let node: MqttTransport;
const nodeMessages: MqttMessage[] = [];
const brokerLog: string[] = [];

/** Polls until `check` holds, at most `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh tab with the test page loaded. */
async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('mqtt page:', error));
  await page.goto(site.url);
  await page.waitForFunction(() => 'mqttPage' in globalThis);
  return page;
}

/** Calls `mqttPage[method](...args)` in the page. */
function call<K extends keyof MqttPageApi>(page: Page, method: K, ...args: Parameters<MqttPageApi[K]>): Promise<Awaited<ReturnType<MqttPageApi[K]>>> {
  return page.evaluate(
    ([m, a]) => ((globalThis as unknown as { mqttPage: Record<string, (...x: unknown[]) => unknown> }).mqttPage[m as string](...(a as unknown[]))),
    [method, args] as const,
  ) as Promise<Awaited<ReturnType<MqttPageApi[K]>>>;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const hostLogin = () => ({ url: broker.wsUrl!, protocolVersion: 4 as const, username: HOST_USERNAME, password: PASSWORD, connectTimeoutMs: 5000 });

describe.skipIf(!haveChromium)('MQTT over WebSocket in Chromium (host-browser/mqtt-transport.ts)', () => {
  beforeAll(async () => {
    broker = await startBroker({ port: 0, wsPort: 0, hostPassword: PASSWORD, log: (line) => brokerLog.push(line) });
    dir = await mkdtemp(join(tmpdir(), 'wasmhost-mqtt-page-'));
    const entry = fileURLToPath(new URL('./pages/mqtt-page.ts', import.meta.url));
    await bundleBrowser({ 'mqtt-page': entry }, dir);
    await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./mqtt-page.js"></script>\n');
    site = await serveDir(dir);
    browser = await launchChromium();
    node = createMqttTransport({ url: broker.url, protocolVersion: 4, username: HOST_USERNAME, password: PASSWORD });
    await node.connect();
    node.onMessage((m) => nodeMessages.push(m));
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await browser?.close();
    await site?.close();
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('receives what a Node client publishes on TCP, with the retained flag, the granted QoS and the exact bytes', async () => {
    const page = await openPage();
    // Retained before the page subscribes: delivered on subscribing, flagged retained.
    await node.publish(`${ROOT}/kept/out`, new Uint8Array([0, 1, 2, 0xfe, 0xff]), { qos: 1, retain: true });
    expect(await call(page, 'open', 'a', hostLogin())).toEqual({ ok: true });
    expect(await call(page, 'subscribe', 'a', `${ROOT}/+/out`, 1)).toEqual({ ok: true });
    expect(await call(page, 'subscribe', 'a', `${ROOT}/+/low`, 0)).toEqual({ ok: true });
    await node.publish(`${ROOT}/live/out`, bytes('qos1'), { qos: 1 });
    await node.publish(`${ROOT}/live/out`, bytes('qos0'), { qos: 0 });
    await node.publish(`${ROOT}/live/low`, bytes('downgraded'), { qos: 1 }); // the subscription grants 0
    await until(async () => (await call(page, 'state', 'a')).messages.length >= 4);
    const { messages, connected, protocolVersion, events } = await call(page, 'state', 'a');
    expect({ connected, protocolVersion, events }).toEqual({ connected: true, protocolVersion: 4, events: ['connected'] });
    expect(messages).toEqual([
      { topic: `${ROOT}/kept/out`, text: expect.any(String), bytes: [0, 1, 2, 0xfe, 0xff], qos: 1, retain: true },
      { topic: `${ROOT}/live/out`, text: 'qos1', bytes: [...bytes('qos1')], qos: 1, retain: false },
      { topic: `${ROOT}/live/out`, text: 'qos0', bytes: [...bytes('qos0')], qos: 0, retain: false },
      { topic: `${ROOT}/live/low`, text: 'downgraded', bytes: [...bytes('downgraded')], qos: 0, retain: false },
    ]);
    // After unsubscribing nothing more arrives on that filter.
    expect(await call(page, 'unsubscribe', 'a', `${ROOT}/+/low`)).toEqual({ ok: true });
    await node.publish(`${ROOT}/live/low`, bytes('unheard'), { qos: 1 });
    await node.publish(`${ROOT}/live/out`, bytes('marker'), { qos: 1 });
    await until(async () => (await call(page, 'state', 'a')).messages.some((m) => m.text === 'marker'));
    expect((await call(page, 'state', 'a')).messages.map((m) => m.text)).not.toContain('unheard');
    await node.publish(`${ROOT}/kept/out`, new Uint8Array(), { qos: 1, retain: true }); // clear the retained message
    expect(await call(page, 'close', 'a')).toEqual({ ok: true });
    await page.close();
  });

  it('publishes from the page to a Node subscriber: acknowledged at QoS 1, kept by the broker when retained', async () => {
    const page = await openPage();
    await node.subscribe(`${ROOT}/kiosk/#`, { qos: 1 });
    expect(await call(page, 'open', 'b', hostLogin())).toEqual({ ok: true });
    expect(await call(page, 'publish', 'b', `${ROOT}/kiosk/out`, [104, 105, 0, 255], { qos: 1 })).toEqual({ ok: true });
    expect(await call(page, 'publish', 'b', `${ROOT}/kiosk/state`, [...bytes('on')], { qos: 1, retain: true })).toEqual({ ok: true });
    await until(() => nodeMessages.filter((m) => m.topic.startsWith(`${ROOT}/kiosk/`)).length >= 2);
    const got = nodeMessages.filter((m) => m.topic.startsWith(`${ROOT}/kiosk/`)).map((m) => ({ topic: m.topic, bytes: [...m.payload], qos: m.qos }));
    expect(got).toEqual([
      { topic: `${ROOT}/kiosk/out`, bytes: [104, 105, 0, 255], qos: 1 },
      { topic: `${ROOT}/kiosk/state`, bytes: [...bytes('on')], qos: 1 },
    ]);
    // A client subscribing later gets the page's retained message, flagged retained.
    const late = createMqttTransport({ url: broker.url, protocolVersion: 4, username: HOST_USERNAME, password: PASSWORD });
    const lateMessages: MqttMessage[] = [];
    late.onMessage((m) => lateMessages.push(m));
    await late.connect();
    await late.subscribe(`${ROOT}/kiosk/state`, { qos: 1 });
    await until(() => lateMessages.length > 0);
    expect(lateMessages.map((m) => ({ text: new TextDecoder().decode(m.payload), retain: m.retain }))).toEqual([{ text: 'on', retain: true }]);
    await late.publish(`${ROOT}/kiosk/state`, new Uint8Array(), { qos: 1, retain: true });
    await late.close();
    await node.unsubscribe(`${ROOT}/kiosk/#`);
    expect(await call(page, 'close', 'b')).toEqual({ ok: true });
    await page.close();
  });

  it("the broker publishes the page's will when the tab goes away without disconnecting, and not after close()", async () => {
    await node.subscribe(`${ROOT}/+/will`, { qos: 1 });
    const willOf = (name: string) => ({ topic: `${ROOT}/${name}/will`, text: `${name} gone`, qos: 1 as const });
    // close(): a clean DISCONNECT, so the broker drops the will.
    const polite = await openPage();
    expect(await call(polite, 'open', 'polite', { ...hostLogin(), will: willOf('polite') })).toEqual({ ok: true });
    expect(await call(polite, 'close', 'polite')).toEqual({ ok: true });
    expect((await call(polite, 'state', 'polite')).events).toEqual(['connected', 'closed']);
    // Closing the tab: the WebSocket goes, no DISCONNECT was sent, so the will is published.
    const abrupt = await openPage();
    expect(await call(abrupt, 'open', 'abrupt', { ...hostLogin(), will: willOf('abrupt') })).toEqual({ ok: true });
    await abrupt.close();
    await until(() => nodeMessages.some((m) => m.topic === `${ROOT}/abrupt/will`));
    const wills = nodeMessages.filter((m) => m.topic.endsWith('/will')).map((m) => ({ topic: m.topic, text: new TextDecoder().decode(m.payload), qos: m.qos }));
    expect(wills).toEqual([{ topic: `${ROOT}/abrupt/will`, text: 'abrupt gone', qos: 1 }]);
    await polite.close();
    await node.unsubscribe(`${ROOT}/+/will`);
  });

  it('refuses bad credentials with denied, and a URL that is not ws:// or wss:// with bad-input', async () => {
    const page = await openPage();
    const refused = await call(page, 'open', 'intruder', { ...hostLogin(), password: 'wrong' });
    expect(refused).toEqual({ ok: false, error: { code: 'denied', message: expect.stringMatching(/refused the connection/) } });
    expect(await call(page, 'state', 'intruder')).toMatchObject({ connected: false, events: ['closed'] });
    expect(brokerLog.some((line) => /refused the connection of .* \(username wasmhost-host\)/.test(line))).toBe(true);
    const tcp = await call(page, 'open', 'tcp', { ...hostLogin(), url: broker.url });
    expect(tcp).toEqual({ ok: false, error: { code: 'bad-input', message: expect.stringMatching(/the scheme must be one of ws: wss:/) } });
    await page.close();
  });

  it('close() disconnects for good: not connected, a closed event, publishing afterwards fails with io, a second close() does nothing', async () => {
    const page = await openPage();
    expect(await call(page, 'open', 'c', hostLogin())).toEqual({ ok: true });
    expect(await call(page, 'subscribe', 'c', `${ROOT}/closing/out`, 1)).toEqual({ ok: true });
    expect(await call(page, 'close', 'c')).toEqual({ ok: true });
    expect(await call(page, 'close', 'c')).toEqual({ ok: true });
    await node.publish(`${ROOT}/closing/out`, bytes('after close'), { qos: 1 });
    const afterClose = await call(page, 'publish', 'c', `${ROOT}/closing/out`, [1], { qos: 1 });
    expect(afterClose).toEqual({ ok: false, error: { code: 'io', message: expect.stringMatching(/after close\(\)/) } });
    await new Promise((r) => setTimeout(r, 200));
    expect(await call(page, 'state', 'c')).toEqual({ connected: false, protocolVersion: 4, messages: [], events: ['connected', 'closed'] });
    await page.close();
  });
});
