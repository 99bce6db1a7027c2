// The page's console: the view (console-view.ts) fed from the running device, and the ways to
// give it work. Deploying shows what the manifest changes and asks before it removes anything;
// "Remove all" asks too. Updated in place on every change and once a second.
import type { ApplyOutcome, BrowserDevice } from './browser-device-agent.js';
import { consolePeers, offersOf, restartOutcome } from '../src/device/console-snapshot.js';
import { createConsoleView, type ConsoleSnapshot, type DeploymentActions } from './console-view.js';
import { describeDiff, diffDesired } from './desired-diff.js';
import { el, show } from './dom-sync.js';

/** The device's state as the console shows it. */
export function deviceSnapshot(device: BrowserDevice): ConsoleSnapshot {
  const profile = device.profile();
  const digests: Record<string, string> = {};
  for (const d of device.desired()) for (const c of d.components) digests[`${d.id}/${c.name}`] = c.digest;
  return {
    deviceId: device.id,
    deviceClass: profile.class ?? 'unknown',
    broker: { state: device.brokerState(), problem: device.brokerProblem() },
    source: device.source(),
    deployments: device.agent.statuses().filter((s) => s.status.state !== 'removed'),
    workloads: device.agent.workloads(),
    digests,
    peers: consolePeers(device.bridge, device.readings),
    progress: device.agent.progress().map(({ deploymentId, component, text }) => ({ deploymentId, component, text })),
    events: device.events(),
    panels: device.host.display.panels(),
    offers: offersOf(profile),
  };
}

/** A form with one URL field, a button and a message line; `action` returns the message to show. */
function urlForm(id: string, label: string, placeholder: string, button: string, action: (value: string, say: (text: string, kind?: 'error' | 'ok') => void) => Promise<void>, extra?: HTMLElement): HTMLElement {
  // Text, not type=url: a path on this server (`/files/…`) is a fine answer, and type=url refuses it.
  const input = el('input', { id: `${id}-input`, type: 'text', inputmode: 'url', spellcheck: 'false', autocomplete: 'url', placeholder, 'aria-label': label, required: '' }) as HTMLInputElement;
  const message = el('p', { class: 'form-message', id: `${id}-message`, role: 'status' });
  const say = (text: string, kind?: 'error' | 'ok') => {
    message.textContent = text;
    message.className = `form-message${kind ? ` ${kind}` : ''}`;
  };
  const form = el('form', { id }, el('label', { for: `${id}-input` }, label), el('div', { class: 'row' }, input, el('button', { type: 'submit' }, button)), message, extra);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    say('working…');
    action(input.value.trim(), say).catch((error: Error) => say(error.message, 'error'));
  });
  return form;
}

/** The outcome of an apply in words: what runs, and what failed (never "done" for a failure). */
function outcomeText(summary: string, outcome: ApplyOutcome): string {
  if (outcome.failed.length === 0) return `applied: ${summary}`;
  return `applied (${summary}), but ${outcome.failed.map((f) => f.id).join(', ')} failed: see the card${outcome.failed.length > 1 ? 's' : ''} above`;
}

/** The controls: deploy (with its diff and confirmation), follow a fleet manager, remove all (confirmed). */
function controls(device: BrowserDevice): HTMLElement {
  const diffText = el('p', { id: 'deploy-diff-text' });
  const confirm = el('button', { type: 'button', id: 'deploy-confirm', class: 'danger' });
  const cancel = el('button', { type: 'button', id: 'deploy-cancel', class: 'secondary' }, 'Cancel');
  const diff = el('div', { id: 'deploy-diff', class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'deploy-diff-text' }, diffText, el('div', { class: 'row' }, confirm, cancel));
  show(diff, false);
  let pending: (() => void) | undefined;
  confirm.addEventListener('click', () => pending?.());
  cancel.addEventListener('click', () => {
    pending = undefined;
    show(diff, false);
    document.getElementById('deploy-form-message')!.textContent = 'cancelled: nothing changed';
  });
  const deploy = urlForm('deploy-form', 'Manifest URL (Margo ApplicationDescription + ApplicationDeployment)', '/files/browser/kiosk.yaml', 'Deploy', async (url, say) => {
    const preview = await device.preview(url);
    const run = async () => {
      show(diff, false);
      say(`applying: ${preview.summary}…`);
      const outcome = await device.apply(preview);
      say(outcomeText(preview.summary, outcome), outcome.failed.length ? 'error' : 'ok');
    };
    if (preview.diff.removed.length === 0) return run();
    // This manifest replaces the whole desired state: what it removes stops. Ask first.
    diffText.textContent = `This manifest ${preview.summary}. ${preview.diff.removed.join(', ')} will stop and be removed.`;
    confirm.textContent = `Apply and remove ${preview.diff.removed.length}`;
    say('waiting for your answer below');
    show(diff, true);
    pending = () => {
      pending = undefined;
      run().catch((error: Error) => say(error.message, 'error'));
    };
  }, diff);
  const wfm = urlForm('wfm-form', 'Fleet manager URL', 'https://fleet.example:8443', 'Follow', async (url, say) => {
    device.followFleetManager(url);
    say('following: its desired state replaces this one', 'ok');
  });

  const clear = el('button', { id: 'clear', type: 'button', class: 'secondary' }, 'Remove all workloads');
  const clearText = el('p', { id: 'clear-text' });
  const clearYes = el('button', { type: 'button', id: 'clear-confirm', class: 'danger' }, 'Remove all');
  const clearNo = el('button', { type: 'button', id: 'clear-cancel', class: 'secondary' }, 'Keep them');
  const clearAsk = el('div', { class: 'confirm', role: 'alertdialog', 'aria-labelledby': 'clear-text' }, clearText, el('div', { class: 'row' }, clearYes, clearNo));
  show(clearAsk, false);
  clear.addEventListener('click', () => {
    const ids = device.agent.statuses().filter((s) => s.status.state !== 'removed').map((s) => s.deploymentId);
    clearText.textContent = ids.length ? `Stop and remove ${ids.join(', ')}, and forget the desired state?` : 'Nothing is deployed; forget the desired state?';
    show(clearAsk, true);
  });
  clearNo.addEventListener('click', () => show(clearAsk, false));
  clearYes.addEventListener('click', () => {
    show(clearAsk, false);
    void device.clear();
  });
  return el('section', { id: 'controls', 'aria-labelledby': 'h-controls' }, el('h2', { id: 'h-controls' }, 'Give this device work'), deploy, wfm, clear, clearAsk);
}

/** Restart and remove, per deployment: remove takes it out of the desired state (the rest stays). */
function deploymentActions(device: BrowserDevice): DeploymentActions {
  return {
    restart: async (id) => {
      await device.agent.restart(id);
      return restartOutcome(device.agent.statuses(), id);
    },
    remove: {
      run: async (id) => {
        await device.removeDeployment(id);
        return `removed ${id}`;
      },
      question: (id) => {
        const desired = device.desired();
        const diff = diffDesired(desired, desired.filter((d) => d.id !== id));
        return diff.removed.length ? `This ${describeDiff(diff)} from the desired state: it stops and is removed. The rest keeps running.` : `${id} is not in the desired state; remove what is left of it?`;
      },
    },
  };
}

/** Mounts the console into `root` and keeps it current. */
export function mountUi(root: HTMLElement, device: BrowserDevice): void {
  const view = createConsoleView(root, controls(device), deploymentActions(device));
  const render = () => view.update(deviceSnapshot(device));
  render();
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      render();
    });
  };
  device.onChange(schedule);
  device.host.display.subscribe(schedule);
  setInterval(render, 1000);
}
