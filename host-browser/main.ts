// The page's entry: reads the serving host's /config.json, starts the device, mounts the UI.
// `window.wasmhost` is the running device (for a person at the console, and for tests).
import { startBrowserDevice, type BrowserDevice, type PageConfig } from './browser-device-agent.js';
import { browserDeviceId } from './browser-device.js';
import { acquireDeviceLock, type DeviceLock } from './device-lock.js';
import { mountUi } from './ui.js';

declare global {
  interface Window {
    wasmhost?: BrowserDevice;
    /** Resolves with the device once it runs; rejects with the reason it could not start. */
    wasmhostReady: Promise<BrowserDevice>;
  }
}

/** `/config.json` from `wasmhost serve`; a page served by anything else runs with no broker. */
async function readConfig(): Promise<PageConfig> {
  try {
    const response = await fetch(new URL('config.json', location.href), { cache: 'no-store' });
    return response.ok ? ((await response.json()) as PageConfig) : {};
  } catch {
    return {};
  }
}

async function start(): Promise<BrowserDevice> {
  const root = document.getElementById('app')!;
  if (!crossOriginIsolated) {
    throw new Error('this page is not cross-origin isolated, so workloads cannot block on their imports: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (wasmhost serve does)');
  }
  // Kiosk mode: what the device does, without the controls (style.css hides them).
  if (new URLSearchParams(location.search).has('kiosk')) document.body.classList.add('kiosk');
  const id = browserDeviceId(location.search);
  const lock = (await acquireDeviceLock(id)) ?? (await waitForTakeOver(root, id));
  const device = await startBrowserDevice(await readConfig(), new URL(location.href), id);
  window.wasmhost = device;
  mountUi(root, device);
  void lock.lost.then(async () => {
    await device.stop();
    notice(root, 'taken-over', `Device ${id} now runs in another tab of this browser, so it stopped here (it must not run its workloads twice). Reload this tab to take it back.`);
  });
  const manifest = new URL(location.href).searchParams.get('manifest');
  if (manifest && device.source()?.url !== new URL(manifest, location.href).href) await device.deployFromUrl(manifest);
  return device;
}

/**
 * Device `id` runs in another tab: say so, and offer to take it over (that tab stops it).
 * Resolves with the lock once taken over.
 */
function waitForTakeOver(root: HTMLElement, id: string): Promise<DeviceLock> {
  const button = document.createElement('button');
  button.id = 'take-over';
  button.textContent = 'Run it here instead';
  notice(root, 'device-elsewhere', `Device ${id} is already running in another tab of this browser. Running it here as well would run its workloads twice.`, button);
  return new Promise((resolve, reject) => {
    button.addEventListener('click', () => {
      button.disabled = true;
      acquireDeviceLock(id, true).then((lock) => (lock ? resolve(lock) : reject(new Error(`could not take device ${id} over`))), reject);
    }, { once: true });
  });
}

/** Replaces the page with one message (and an optional control). */
function notice(root: HTMLElement, id: string, text: string, control?: HTMLElement): void {
  const p = document.createElement('p');
  p.id = id;
  p.className = 'notice';
  p.textContent = text;
  root.replaceChildren(...(control ? [p, control] : [p]));
}

window.wasmhostReady = start();
window.wasmhostReady.catch((error: Error) => {
  const root = document.getElementById('app')!;
  const p = document.createElement('p');
  p.className = 'fatal';
  p.textContent = `This device could not start: ${error.message}`;
  root.replaceChildren(p);
});
