// The `page` target: a browser device's page, loaded in Chromium (through playwright-core,
// imported only when this target runs) and probed through the host it exposes: the interfaces
// of BRW-1, what it must refuse, limits and isolation in Web Workers, its manifest, key-value
// data and device id across a reload, and its broker link.
import type { Browser, Page } from 'playwright-core';
import { WasmhostError } from '../../src/errors.js';
import { loadComponent } from '../../src/component/component.js';
import { match } from '../../src/device/match.js';
import { toDeviceCapabilitiesManifest } from '../../src/device/margo-capabilities.js';
import type { DeviceProfile } from '../../src/device/profile.js';
import { manifestProblems } from '../../src/conformance/manifest-check.js';
import { messageOf } from '../../src/conformance/probe-host.js';
import { result, type ProbeResult } from '../../src/conformance/report.js';
import { BROWSER_INTERFACES, BROWSER_REQUIREMENTS } from '../../src/conformance/requirements.js';
import { NOT_IN_BROWSER_INTERFACES } from '../../src/conformance/interfaces.js';
import { buildProbe } from './build-probe.js';
import { interfaceProbes, refusalProbe } from './interface-probes.js';
import { limitProbes, reqOf } from './limit-probes.js';
import { openDevice, pageProbeHost, type PageGlobals } from './page-probe-host.js';
import { grantProbes, workloadProbes } from './workload-probes.js';
import { pageChecks } from './page-checks.js';

/** Where the page is and how to drive it. */
export interface PageTarget {
  url: string;
  /** An actuator the page's device has (default `fan`, one of the browser drivers). */
  actuator?: string;
  /** Chromium's executable (default /usr/bin/chromium). */
  chromium?: string;
  /** Runs on the new page before it loads (tests break a device with an init script). */
  prepare?: (page: Page) => Promise<unknown>;
}

/** Launches Chromium with playwright-core, or says what to install. */
async function launch(executablePath: string): Promise<Browser> {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new WasmhostError('unsupported', 'the page target drives Chromium through the npm package playwright-core, which is not installed: npm install playwright-core (and Chromium, e.g. apt-get install chromium)');
  }
  try {
    return await chromium.launch({
      executablePath, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (error) {
    throw new WasmhostError('unsupported', `could not start Chromium at ${executablePath} (install it, or name it with --chromium <path>): ${messageOf(error)}`);
  }
}

/** Runs every `page` probe; the results follow BROWSER_REQUIREMENTS' order. */
export async function runPageProbes(target: PageTarget): Promise<ProbeResult[]> {
  const browser = await launch(target.chromium ?? '/usr/bin/chromium');
  try {
    const page = await browser.newPage();
    await target.prepare?.(page);
    const failed = await openDevice(page, target.url);
    const isolated = await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated);
    const first = result(reqOf('BRW', 'isolated'), isolated ? 'PASS' : 'FAIL', isolated ? 'crossOriginIsolated is true' : 'crossOriginIsolated is false: serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp');
    if (failed) return [first, ...BROWSER_REQUIREMENTS.slice(1).map((r) => result(r, 'SKIP', `the page's device did not start: ${failed}`))];
    const host = pageProbeHost(page);
    const profile = await page.evaluate(async () => (await (globalThis as unknown as PageGlobals).wasmhostReady).profile());
    return [
      first,
      ...(await interfaceProbes('BRW', host, BROWSER_INTERFACES)),
      await refusalProbe('BRW-no-sockets-http', host, NOT_IN_BROWSER_INTERFACES, { network: true }, 'missing-import'),
      await grantKindsProbe(profile),
      ...(await grantProbes('BRW', host, target.actuator ?? 'fan')),
      ...(await limitProbes('BRW', host, await buildProbe('limits'))),
      ...(await workloadProbes('BRW', host, { actuator: target.actuator ?? 'fan' })),
      manifestProbe(profile),
      ...(await pageChecks(page, target.url, host)),
    ];
  } finally {
    await browser.close();
  }
}

/** A deployment asking for `filesystem` or `network` is refused by the match the page's agent runs against its profile. */
async function grantKindsProbe(profile: DeviceProfile): Promise<ProbeResult> {
  const r = reqOf('BRW', 'grant-kinds');
  const component = await loadComponent(await buildProbe('exit'));
  const seen: string[] = [];
  for (const grants of [{ filesystem: { '/data': '/srv/data' } }, { network: true }]) {
    const kind = Object.keys(grants)[0];
    const outcome = match(component.world, profile, grants);
    const named = outcome.problems.some((p) => p.kind === 'grant' && p.grant === kind);
    if (outcome.compatible || !named) return result(r, 'FAIL', `a deployment granting ${kind} ${outcome.compatible ? 'matches the page' : 'is refused without naming the grant'}`);
    seen.push(kind);
  }
  return result(r, 'PASS', `refused before running, naming the grant: ${seen.join(', ')} (the page's published grants: ${(profile.wasm.grants ?? []).join(', ')})`);
}

function manifestProbe(profile: DeviceProfile): ProbeResult {
  const r = reqOf('BRW', 'manifest');
  const manifest = toDeviceCapabilitiesManifest(profile);
  const problems = manifestProblems(manifest, 'browser', profile.wasm.interfaces);
  if (problems.length) return result(r, 'FAIL', problems.join('; '));
  return result(r, 'PASS', `class browser, ${profile.wasm.interfaces.length} interfaces, grants ${(profile.wasm.grants ?? []).join(', ')}`);
}
