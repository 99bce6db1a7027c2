// A page's host as a ProbeHost: every call is a `page.evaluate` against `window.wasmhostReady`
// (the running device host-browser/main.ts exposes), with the probe's bytes passed in and
// errors passed back as plain `{code, message, data}`. Workloads live in a map on the page.
import type { Page } from 'playwright-core';
import { WasmhostError } from '../../src/errors.js';
import type { Host } from '../../src/create-host.js';
import type { ProbeHost, ProbeStart, ProbeWorkload } from '../../src/conformance/probe-host.js';
import type { DeviceProfile } from '../../src/device/profile.js';
import type { IsolationEvent } from '../../src/runtime/isolated-workload.js';

/** What the probes use of the page's device (host-browser's BrowserDevice). */
export interface PageDevice {
  id: string;
  host: Host;
  profile(): DeviceProfile;
  brokerState(): 'none' | 'connected' | 'disconnected';
  flush(): Promise<void>;
}

/** The page's globals the probes reach (typed here: host-node has no DOM types). */
export interface PageGlobals {
  wasmhostReady: Promise<PageDevice>;
  wasmhostConformance?: { next: number; workloads: Map<number, { call(t: string, ...a: unknown[]): unknown; close(): unknown; events: unknown[] }> };
}

/** A host error as it crosses page.evaluate. */
type Outcome = { value?: unknown; error?: { code?: string; message: string; data?: unknown } };

function settle(outcome: Outcome): unknown {
  if (!outcome.error) return outcome.value;
  throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code, data: outcome.error.data });
}

/** Drives the host of the device in `page`. */
export function pageProbeHost(page: Page): ProbeHost {
  const call = async (id: number, target: string, args: unknown[]) => settle(await page.evaluate(async ({ id, target, args }) => {
    const w = (globalThis as unknown as PageGlobals).wasmhostConformance!.workloads.get(id)!;
    try {
      return { value: await w.call(target, ...args) };
    } catch (e) {
      const err = e as { code?: string; message: string; data?: unknown };
      return { error: { code: err.code, message: err.message, data: err.data } };
    }
  }, { id, target, args }));
  return {
    async start(bytes: Uint8Array, options: ProbeStart): Promise<ProbeWorkload> {
      const id = settle(await page.evaluate(async ({ bytes, options }) => {
        const g = globalThis as unknown as PageGlobals;
        const device = await g.wasmhostReady;
        const reg = (g.wasmhostConformance ??= { next: 1, workloads: new Map() });
        const events: unknown[] = [];
        // The stalling provider of probe-host.ts, written out: functions cannot cross page.evaluate.
        const providers = options.stall
          ? [{ name: 'conformance-stall', offers: [{ name: 'wasmhost:stall/stall', version: '0.1.0' }], create: () => ({ 'wasmhost:stall/stall': { wait: () => new Promise<number>(() => undefined) } }) }]
          : undefined;
        try {
          const component = await device.host.load(new Uint8Array(bytes));
          const w = options.limits
            ? await device.host.startIsolated(component, {
              name: options.name, grants: options.grants, providers, limits: options.limits,
              onEvent: (e) => events.push(e.type === 'started' ? { type: e.type, workload: e.workload, ms: e.ms, restarts: e.restarts } : { type: e.type, workload: e.workload, reason: e.reason, restartInMs: e.restartInMs }),
            })
            : await device.host.instantiate(component, { name: options.name, grants: options.grants, providers });
          const id = reg.next++;
          reg.workloads.set(id, { call: (t: string, ...a: unknown[]) => w.call(t, ...a), close: () => w.close(), events });
          return { value: id };
        } catch (e) {
          const err = e as { code?: string; message: string; data?: unknown };
          return { error: { code: err.code, message: err.message, data: err.data } };
        }
      }, { bytes: [...bytes], options })) as number;
      return {
        call: (target, ...args) => call(id, target, args),
        events: () => page.evaluate((id) => (globalThis as unknown as PageGlobals).wasmhostConformance!.workloads.get(id)!.events as IsolationEvent[], id),
        close: () => page.evaluate(async (id) => {
          const reg = (globalThis as unknown as PageGlobals).wasmhostConformance!;
          await reg.workloads.get(id)?.close();
          reg.workloads.delete(id);
        }, id),
      };
    },
    offers: () => page.evaluate(async () => {
      const device = await (globalThis as unknown as PageGlobals).wasmhostReady;
      return device.host.providers.flatMap((p) => p.offers.map((o) => ({ name: o.name, version: o.version, provider: p.name })));
    }),
  };
}

/** How long the page may take to start its device. */
const READY_MS = 60_000;

/** Loads the page and waits for its device; the reason it did not start, if it did not. */
export async function openDevice(page: Page, url: string): Promise<string | undefined> {
  try {
    await page.goto(url, { waitUntil: 'load', timeout: READY_MS });
  } catch (error) {
    throw new WasmhostError('io', `could not load the page ${url}: ${(error as Error).message.split('\n')[0]} (is the device's server running, e.g. wasmhost serve?)`);
  }
  return page.evaluate(async (ms) => {
    const g = globalThis as unknown as Partial<PageGlobals>;
    if (!g.wasmhostReady) return 'the page has no window.wasmhostReady (is it a wasmhost page?)';
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(`the device did not start within ${ms} ms`), ms));
    return Promise.race([g.wasmhostReady.then(() => undefined, (e: Error) => e.message), timeout]);
  }, READY_MS);
}
