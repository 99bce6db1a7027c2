// The page probes that reload the page or look at its link: key-value data and the device id
// across a reload (BRW-6, BRW-7), and the broker reached on the page's own origin with a page
// credential (BRW-8).
import type { Page } from 'playwright-core';
import { codeOf, messageOf, type ProbeHost } from '../../src/conformance/probe-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { buildProbe } from './build-probe.js';
import { PROBE_LIMITS, reqOf, until } from './limit-probes.js';
import { openDevice, pageProbeHost, type PageGlobals } from './page-probe-host.js';

const deviceId = (page: Page) => page.evaluate(async () => (await (globalThis as unknown as PageGlobals).wasmhostReady).id);

/** Persistence and device id across one reload, then the broker link. */
export async function pageChecks(page: Page, url: string, host: ProbeHost): Promise<ProbeResult[]> {
  const idBefore = await deviceId(page);
  const persist = await persistProbe(page, url, host);
  const idAfter = await deviceId(page).catch((e: unknown) => `(none: ${messageOf(e)})`);
  return [persist, idProbe(url, idBefore, idAfter), await brokerProbe(page)];
}

async function persistProbe(page: Page, url: string, host: ProbeHost): Promise<ProbeResult> {
  const r = reqOf('BRW', 'persist-keyvalue');
  const bytes = await buildProbe('keyvalue');
  const grants = { keyvalue: { buckets: ['conformance'] } };
  const value = 1 + Math.floor(Math.random() * 0x7ffffff0);
  try {
    // Isolated, as a deployment runs by default: the bucket stays in the page, the worker holds a handle.
    const writer = await host.start(bytes, { name: 'conformance-persist', grants, limits: PROBE_LIMITS });
    const stored = await writer.call('put', value);
    await writer.close();
    if (stored !== 0) return result(r, 'FAIL', `storing a value failed (probe code ${String(stored)})`);
    await page.evaluate(async () => (await (globalThis as unknown as PageGlobals).wasmhostReady).flush());
    const failed = await openDevice(page, url);
    if (failed) return result(r, 'FAIL', `after a reload the device did not start: ${failed}`);
    const reader = await pageProbeHost(page).start(bytes, { name: 'conformance-persist', grants, limits: PROBE_LIMITS });
    const read = (await reader.call('fetch')) as number;
    await reader.close();
    if (read === value) return result(r, 'PASS', 'a value written before a reload was read after it');
    return result(r, 'FAIL', read === 0xffffffff ? 'after a reload the value was gone' : `after a reload the value read ${read} instead of ${value}`);
  } catch (error) {
    return result(r, 'FAIL', `${String(codeOf(error) ?? 'error')}: ${messageOf(error)}`);
  }
}

function idProbe(url: string, before: string, after: string): ProbeResult {
  const r = reqOf('BRW', 'device-id');
  const given = new URL(url).searchParams.get('device');
  if (before !== after) return result(r, 'FAIL', `the device id changed across a reload: ${before} then ${after}`);
  if (given !== null) return result(r, given === before ? 'PASS' : 'FAIL', given === before ? `${before} (given by ?device=), the same after a reload` : `?device=${given} gave id ${before}`);
  if (!/^browser-[0-9a-f]{10}$/.test(before)) return result(r, 'FAIL', `the id ${before} is not browser-<10 hex>`);
  return result(r, 'PASS', `${before}, the same after a reload`);
}

async function brokerProbe(page: Page): Promise<ProbeResult> {
  const r = reqOf('BRW', 'broker');
  const link = await page.evaluate(async () => {
    const g = globalThis as unknown as { location: { href: string; origin: string }; localStorage: { getItem(k: string): string | null }; fetch: (u: string) => Promise<{ ok: boolean; json(): Promise<unknown> }> };
    const response = await g.fetch(new URL('config.json', g.location.href).href).catch(() => undefined);
    const config = (response?.ok ? await response.json() : {}) as { broker?: { path?: string; url?: string } };
    // The page keeps its credential per device id (host-browser/page-session.ts).
    const id = (await (globalThis as unknown as { wasmhostReady: Promise<{ id: string }> }).wasmhostReady).id;
    return { origin: g.location.origin, broker: config.broker, credential: g.localStorage.getItem(`wasmhost.page-credential.${id}`) };
  });
  if (!link.broker) return result(r, 'SKIP', 'the page has no broker (its /config.json names none): there are no peers to reach');
  const ws = new URL(link.broker.url ?? link.broker.path ?? '/mqtt', link.origin.replace(/^http/, 'ws'));
  if (ws.host !== new URL(link.origin).host || !/^wss?:$/.test(ws.protocol)) return result(r, 'FAIL', `the broker ${ws.href} is not MQTT over WebSocket on the page's own origin ${link.origin}`);
  const connected = await until(async () => (await page.evaluate(async () => (await (globalThis as unknown as PageGlobals).wasmhostReady).brokerState())) === 'connected', 10_000);
  if (!connected) return result(r, 'FAIL', `the page did not connect to ${ws.href} within 10 s`);
  const username = (JSON.parse(link.credential ?? 'null') as { username?: string } | null)?.username;
  if (!username || !/^page-[0-9a-f]{16}$/.test(username)) return result(r, 'FAIL', `the page's broker credential ${String(username)} is not page-<16 hex> from POST /session`);
  return result(r, 'PASS', `connected to ${ws.href} as ${username}`);
}
