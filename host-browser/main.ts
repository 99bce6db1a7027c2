// The page's entry: reads the serving host's /config.json, starts the device, mounts the UI.
// `window.wasmhost` is the running device (for a person at the console, and for tests).
import { startBrowserDevice, type BrowserDevice, type PageConfig } from './browser-device-agent.js';
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
  const device = await startBrowserDevice(await readConfig(), new URL(location.href));
  window.wasmhost = device;
  mountUi(root, device);
  const manifest = new URL(location.href).searchParams.get('manifest');
  if (manifest && device.source()?.url !== new URL(manifest, location.href).href) await device.deployFromUrl(manifest);
  return device;
}

window.wasmhostReady = start();
window.wasmhostReady.catch((error: Error) => {
  const root = document.getElementById('app')!;
  const p = document.createElement('p');
  p.className = 'fatal';
  p.textContent = `This device could not start: ${error.message}`;
  root.replaceChildren(p);
});
