// The kiosk view: what this device is, what it runs and how that is going, its peers, and
// what happened lately, plus the two ways to give it work. Plain DOM, text only (values are
// never parsed as HTML), re-rendered on every change and once a second.
import type { DeploymentStatus } from '../src/deploy/types.js';
import type { BrowserDevice, PageEvent } from './browser-device-agent.js';

const STATE_WORDS: Record<string, string> = {
  pending: 'waiting', installing: 'starting', installed: 'running', removing: 'stopping', removed: 'removed', failed: 'failed',
};

/** Builds an element with text and attributes; children may be elements or strings. */
function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c !== undefined) node.append(c);
  return node;
}

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

/** Mounts the UI into `root` and keeps it current. */
export function mountUi(root: HTMLElement, device: BrowserDevice): void {
  const form = (id: string, label: string, placeholder: string, button: string, action: (value: string) => Promise<void> | void) => {
    // Text, not type=url: a path on this server (`/files/…`) is a fine answer, and type=url refuses it.
    const input = el('input', { id: `${id}-input`, type: 'text', inputmode: 'url', spellcheck: 'false', autocomplete: 'url', placeholder, 'aria-label': label, required: '' }) as HTMLInputElement;
    const message = el('p', { class: 'form-message', id: `${id}-message`, role: 'status' });
    const f = el('form', { id }, el('label', { for: `${id}-input` }, label), el('div', { class: 'row' }, input, el('button', { type: 'submit' }, button)), message);
    f.addEventListener('submit', (event) => {
      event.preventDefault();
      message.textContent = 'working…';
      message.className = 'form-message';
      Promise.resolve(action(input.value.trim())).then(
        () => { message.textContent = 'done'; },
        (error: Error) => {
          message.textContent = error.message;
          message.className = 'form-message error';
        },
      );
    });
    return f;
  };

  const header = el('header');
  const statusSection = el('section', { id: 'deployments', 'aria-labelledby': 'h-deployments' });
  const peersSection = el('section', { id: 'peers', 'aria-labelledby': 'h-peers' });
  const eventsSection = el('section', { id: 'events', 'aria-labelledby': 'h-events' });
  const capsSection = el('section', { id: 'capabilities', 'aria-labelledby': 'h-capabilities' });
  const controls = el('section', { id: 'controls', 'aria-labelledby': 'h-controls' },
    el('h2', { id: 'h-controls' }, 'Give this device work'),
    form('deploy-form', 'Manifest URL (Margo ApplicationDescription + ApplicationDeployment)', '/files/browser/kiosk.yaml', 'Deploy', (url) => device.deployFromUrl(url)),
    form('wfm-form', 'Fleet manager URL', 'https://fleet.example:8443', 'Follow', (url) => device.followFleetManager(url)),
    (() => {
      const b = el('button', { id: 'clear', type: 'button', class: 'secondary' }, 'Remove all workloads');
      b.addEventListener('click', () => void device.clear());
      return b;
    })(),
  );
  root.replaceChildren(header, el('main', {}, statusSection, peersSection, eventsSection, controls, capsSection));

  const render = () => {
    const profile = device.profile();
    const broker = device.brokerState();
    const source = device.source();
    header.replaceChildren(
      el('h1', {}, 'wasmhost ', el('span', { class: 'device-id', id: 'device-id' }, device.id)),
      el('p', { class: 'facts' },
        el('span', { class: 'chip', id: 'device-class' }, `class ${profile.class}`),
        el('span', { class: `chip ${broker === 'connected' ? 'ok' : broker === 'none' ? '' : 'bad'}`, id: 'broker-state' },
          broker === 'none' ? 'no broker' : `broker ${broker}`),
        el('span', { class: 'chip', id: 'source' }, source ? `${source.kind === 'wfm' ? 'fleet manager' : 'manifest'}: ${source.url}` : 'no desired state yet'),
      ),
    );

    const workloads = device.agent.workloads();
    const statuses = device.agent.statuses().filter((s) => s.status.state !== 'removed');
    statusSection.replaceChildren(el('h2', { id: 'h-deployments' }, `Workloads (${statuses.length})`));
    if (statuses.length === 0) statusSection.append(el('p', { class: 'empty' }, 'Nothing deployed. Enter a manifest URL below.'));
    for (const s of statuses) statusSection.append(deploymentCard(s, workloads));

    const peers = device.bridge?.peers() ?? [];
    peersSection.replaceChildren(el('h2', { id: 'h-peers' }, `Peers (${peers.filter((p) => p.online).length} online)`));
    if (!device.bridge) peersSection.append(el('p', { class: 'empty' }, 'No broker: embedded peers cannot reach this page.'));
    else if (peers.length === 0) peersSection.append(el('p', { class: 'empty' }, 'No embedded peer has announced itself yet.'));
    const list = el('ul', { class: 'peers' });
    for (const p of peers) {
      const offers = [...p.birth.sensors.map((s) => `${s.name} (${s.unit || 'no unit'})`), ...p.birth.actuators.map((a) => `${a.name} ⇄`)].join(', ');
      list.append(el('li', { 'data-peer': p.id, class: p.online ? 'online' : 'offline' },
        el('strong', {}, p.id), ` ${p.online ? 'online' : 'offline'} since ${time(p.since)}`, el('br'), el('small', {}, offers || 'offers nothing')));
    }
    peersSection.append(list);

    const recent = device.events().slice(-40).reverse();
    eventsSection.replaceChildren(el('h2', { id: 'h-events' }, 'Latest activity'));
    const log = el('ol', { class: 'events', id: 'event-log' });
    for (const e of recent) log.append(eventLine(e));
    eventsSection.append(recent.length ? log : el('p', { class: 'empty' }, 'Quiet so far.'));

    capsSection.replaceChildren(
      el('h2', { id: 'h-capabilities' }, 'What this device offers'),
      el('p', {}, `${profile.resources.cpu[0]?.cores ?? '?'} cores · engine ${profile.wasm.engine?.name} ${profile.wasm.engine?.version} · grants it can honor: ${(profile.wasm.grants ?? []).join(', ')}`),
      el('ul', { class: 'interfaces' }, ...profile.wasm.interfaces.filter((o) => !o.name.startsWith('wasi:cli/terminal')).map((o) =>
        el('li', {}, `${o.name}${o.version ? `@${o.version}` : ''}`, o.grant ? el('small', {}, ` needs ${o.grant}`) : undefined))),
    );
  };

  render();
  let queued = false;
  device.onChange(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      render();
    });
  });
  setInterval(render, 1000);
}

function deploymentCard(s: DeploymentStatus, workloads: ReturnType<BrowserDevice['agent']['workloads']>): HTMLElement {
  const state = s.status.state;
  const card = el('article', { class: `deployment state-${state}`, 'data-deployment': s.deploymentId },
    el('h3', {}, s.deploymentId, el('span', { class: `chip state-${state}` }, STATE_WORDS[state] ?? state)));
  if (s.status.error) card.append(el('p', { class: 'error' }, s.status.error.message));
  const rows = el('ul', { class: 'components' });
  for (const c of s.components) {
    const w = workloads.find((x) => x.deployment === s.deploymentId && x.component === c.name);
    const detail = w ? `v${w.version}${w.restarts ? ` · restarted ${w.restarts}×` : ''}${w.dead ? ' · stopped' : ''}` : '';
    rows.append(el('li', { 'data-component': c.name },
      el('strong', {}, c.name), ` ${STATE_WORDS[c.state] ?? c.state}`, detail ? el('small', {}, ` ${detail}`) : undefined,
      c.error && !s.status.error?.message.endsWith(c.error.message) ? el('div', { class: 'error' }, c.error.message) : c.error ? undefined : w?.lastError ? el('div', { class: 'warn' }, `last problem: ${w.lastError}`) : undefined));
  }
  card.append(rows);
  return card;
}

function eventLine(e: PageEvent): HTMLElement {
  const what = e.kind === 'output' ? `published to ${e.who}` : e.kind === 'actuator' ? `actuator ${e.who}` : e.who;
  return el('li', { class: `event ${e.kind} level-${e.level}` }, el('time', {}, time(e.at)), ' ', el('strong', {}, what), ' ', e.text);
}
