// The Node agent's console (`wasmhost agent --console-port`): the page's console view, fed by
// the agent's snapshot over HTTP once a second. It restarts a deployment but adds or removes
// nothing: the agent follows a desired-state folder or a fleet manager, which is where its work
// changes. `?kiosk` hides the controls.
import type { ConsoleSnapshot } from '../src/device/console-snapshot.js';
import { createConsoleView } from './console-view.js';
import { el, setText, show } from './dom-sync.js';

const POLL_MS = 1000;

const root = document.getElementById('app')!;
if (new URLSearchParams(location.search).has('kiosk')) document.body.classList.add('kiosk');
const note = el('p', { id: 'controls-note' });
const controls = el('section', { id: 'controls', 'aria-labelledby': 'h-controls' }, el('h2', { id: 'h-controls' }, 'Give this device work'), note);
// Restart only: what the agent runs is decided by its folder or fleet manager, not here.
const view = createConsoleView(root, controls, {
  async restart(id) {
    const response = await fetch(`api/deployments/${encodeURIComponent(id)}/restart`, { method: 'POST', headers: { 'x-wasmhost-console': '1' } });
    const answer = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) throw new Error(answer.message ?? `the agent answered ${response.status}`);
    return answer.message ?? 'restarted';
  },
});
const offline = el('p', { class: 'banner', id: 'console-offline', role: 'alert' });
show(offline, false);
root.prepend(offline);

async function poll(): Promise<void> {
  try {
    const response = await fetch('api/snapshot', { cache: 'no-store' });
    if (!response.ok) throw new Error(`the agent answered ${response.status}`);
    const snapshot = (await response.json()) as ConsoleSnapshot;
    view.update(snapshot);
    document.title = `wasmhost ${snapshot.deviceId}`;
    setText(note, snapshot.source
      ? `This device follows ${snapshot.source.kind === 'wfm' ? 'the fleet manager' : 'the desired state'} at ${snapshot.source.url}: change what it runs there.`
      : 'This device has no desired state yet: give it a folder (wasmhost agent --desired) or a fleet manager (--wfm).');
    show(offline, false);
  } catch (error) {
    // What was last seen stays on screen, marked as old, until the agent answers again.
    setText(offline, `Lost contact with the agent (${error instanceof Error ? error.message : String(error)}); what you see may be out of date. Retrying every second.`);
    show(offline, true);
  } finally {
    setTimeout(() => void poll(), POLL_MS);
  }
}

void poll();
