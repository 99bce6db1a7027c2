// The device console's view: built once, then updated in place from a plain status snapshot
// (no agent object), so a page and a Node-served console can render the same thing.
import type { DeploymentStatus } from '../src/deploy/types.js';
import { readingAge, type ConsoleSnapshot, type DeviceEvent } from '../src/device/console-snapshot.js';
import { describeMemory, type WorkloadDetails } from '../src/deploy/workload-activity.js';
import type { WorkloadMemory } from '../src/runtime/workload-memory.js';
import { el, setAttr, setText, show, syncList } from './dom-sync.js';
import { syncPanels } from './display-view.js';

export type { ConsoleSnapshot } from '../src/device/console-snapshot.js';

const STATE_WORDS: Record<string, string> = {
  pending: 'waiting', installing: 'starting', installed: 'running', removing: 'stopping', removed: 'removed', failed: 'failed',
};
const SHOWN_EVENTS = 60;

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour12: false });

/** The console's sections, mounted in `root`; `controls` is placed after the activity. */
export interface ConsoleView {
  update(snapshot: ConsoleSnapshot): void;
}

/**
 * What a console may do to one deployment (the page's; the Node console has none: its desired
 * state is its folder or fleet manager). Each resolves with the words to show on the card.
 */
export interface DeploymentActions {
  restart(id: string): Promise<string>;
  /** Absent where the device's desired state is kept elsewhere (the Linux agent's folder or fleet manager): no Remove button. */
  remove?: {
    run(id: string): Promise<string>;
    /** The question asked first, e.g. what the desired state loses. */
    question(id: string): string;
  };
}

/** Builds the view in `root`, with `controls` (forms) placed beside the activity, and per-deployment buttons if `actions` is given. */
export function createConsoleView(root: HTMLElement, controls: HTMLElement, actions?: DeploymentActions): ConsoleView {
  const deviceId = el('span', { class: 'device-id', id: 'device-id' });
  const deviceClass = el('span', { class: 'chip', id: 'device-class' });
  const brokerChip = el('span', { class: 'chip', id: 'broker-state' });
  const sourceChip = el('span', { class: 'chip', id: 'source' });
  const banner = el('p', { class: 'banner', id: 'broker-banner', role: 'alert' });
  const header = el('header', {}, el('h1', {}, 'wasmhost ', deviceId), el('p', { class: 'facts' }, deviceClass, brokerChip, sourceChip), banner);

  const deploymentsTitle = el('h2', { id: 'h-deployments' });
  const deploymentsEmpty = el('p', { class: 'empty' }, 'Nothing deployed. Enter a manifest URL below.');
  const cards = el('div', { class: 'cards' });
  const deployments = el('section', { id: 'deployments', 'aria-labelledby': 'h-deployments' }, deploymentsTitle, deploymentsEmpty, cards);

  const panelList = el('div', { class: 'panels' });
  const panels = el('section', { id: 'panels', 'aria-labelledby': 'h-panels' }, el('h2', { id: 'h-panels' }, 'Screens'), panelList);

  const peersTitle = el('h2', { id: 'h-peers' });
  const peersEmpty = el('p', { class: 'empty' });
  const peerList = el('ul', { class: 'peers' });
  const peers = el('section', { id: 'peers', 'aria-labelledby': 'h-peers' }, peersTitle, peersEmpty, peerList);

  const onlyProblems = el('input', { type: 'checkbox', id: 'only-problems' }) as HTMLInputElement;
  const problemCount = el('span', { id: 'problem-count' });
  const eventLog = el('ol', { class: 'events', id: 'event-log', 'aria-live': 'off' });
  const eventsEmpty = el('p', { class: 'empty' }, 'Quiet so far.');
  const events = el('section', { id: 'events', 'aria-labelledby': 'h-events' },
    el('h2', { id: 'h-events' }, 'Latest activity'),
    el('label', { class: 'filter', for: 'only-problems' }, onlyProblems, ' only problems ', problemCount),
    eventsEmpty, eventLog);

  const offersLine = el('p', {});
  const interfaces = el('ul', { class: 'interfaces' });
  const caps = el('section', { id: 'capabilities', 'aria-labelledby': 'h-capabilities' }, el('h2', { id: 'h-capabilities' }, 'What this device offers'), offersLine, interfaces);

  root.replaceChildren(header, el('main', {}, panels, deployments, peers, events, controls, caps));
  let last: ConsoleSnapshot | undefined;
  onlyProblems.addEventListener('change', () => last && renderEvents(last));

  function renderEvents(s: ConsoleSnapshot): void {
    const problems = s.events.filter((e) => e.level === 'error' || e.level === 'critical' || e.level === 'warn');
    setText(problemCount, `(${problems.length})`);
    const shown = (onlyProblems.checked ? problems : s.events).slice(-SHOWN_EVENTS).reverse();
    show(eventsEmpty, shown.length === 0);
    // Newest first. The lines already shown stay the same nodes, so the browser's scroll
    // anchoring keeps what the reader looks at in place when lines arrive above it.
    syncList(eventLog, shown, (e) => String(e.seq), eventLine, () => undefined);
  }

  return {
    update(s) {
      last = s;
      setText(deviceId, s.deviceId);
      setText(deviceClass, `class ${s.deviceClass}`);
      setText(brokerChip, s.broker.state === 'none' ? 'no broker' : `broker ${s.broker.state}`);
      setAttr(brokerChip, 'class', `chip ${s.broker.state === 'connected' ? 'ok' : s.broker.state === 'none' ? '' : 'bad'}`);
      setText(sourceChip, s.source ? `${s.source.kind === 'wfm' ? 'fleet manager' : 'manifest'}: ${s.source.url}` : 'no desired state yet');
      show(banner, s.broker.state === 'disconnected');
      setText(banner, s.broker.state === 'disconnected' ? `Peers and outputs are on hold: ${s.broker.problem ?? 'not connected to the broker; retrying'}` : '');

      // Shown only while some workload draws: a device without a screen workload looks as before.
      show(panels, s.panels.length > 0);
      syncPanels(panelList, s.panels);

      setText(deploymentsTitle, `Workloads (${s.deployments.length})`);
      show(deploymentsEmpty, s.deployments.length === 0);
      syncList(cards, s.deployments, (d) => d.deploymentId, () => el('article', {}), (node, d) => updateCard(node, d, s, actions));

      setText(peersTitle, `Peers (${s.peers.filter((p) => p.online).length} online)`);
      const noPeers = s.broker.state === 'none' ? 'No broker: embedded peers cannot reach this page.' : s.peers.length === 0 ? 'No embedded peer has announced itself yet.' : '';
      setText(peersEmpty, noPeers);
      show(peersEmpty, noPeers !== '');
      syncList(peerList, s.peers, (p) => p.id, () => el('li', {}, el('strong'), el('span'), el('br'), el('small'), el('ul', { class: 'readings' })), (node, p) => {
        setAttr(node, 'data-peer', p.id);
        setAttr(node, 'class', p.online ? 'online' : 'offline');
        const [name, state, , offers, readings] = Array.from(node.children);
        setText(name, p.id);
        setText(state, ` ${p.online ? 'online' : 'offline'} since ${time(p.since)}`);
        setText(offers, p.offers || 'offers nothing');
        const now = Date.now();
        syncList(readings, p.readings ?? [], (r) => r.sensor, () => el('li', {}, el('span'), el('strong'), el('small')), (row, r) => {
          setAttr(row, 'data-sensor', r.sensor);
          setText(row.children[0], `${r.sensor} `);
          setText(row.children[1], `${typeof r.value === 'number' ? Number(r.value.toPrecision(6)) : String(r.value)}${r.unit ? ` ${r.unit}` : ''}`);
          setText(row.children[2], ` ${readingAge(r.at, now)}`);
        });
      });

      renderEvents(s);
      setText(offersLine, s.offers.summary);
      syncList(interfaces, s.offers.interfaces, (o) => o.name, () => el('li', {}, el('span'), el('small')), (node, o) => {
        setText(node.children[0], o.name);
        setText(node.children[1], o.grant ? ` needs ${o.grant}` : '');
      });
    },
  };
}

/** A deployment's card: state chip, one status line (the error, once), the step under way, a row per component, its actions. */
function updateCard(card: HTMLElement, d: DeploymentStatus, s: ConsoleSnapshot, actions?: DeploymentActions): void {
  if (!card.firstChild) {
    card.append(el('h3', {}, el('span', { class: 'name' }), el('span', { class: 'chip' })), el('p', { class: 'status-line' }),
      el('p', { class: 'progress-line', role: 'status' }), el('ul', { class: 'components' }));
    if (actions) card.append(cardActions(d.deploymentId, actions));
  }
  const [title, line, progressLine, rows] = card.children as unknown as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
  const step = s.progress?.find((p) => p.deploymentId === d.deploymentId);
  setText(progressLine, step ? `${step.component}: ${step.text}` : '');
  show(progressLine, step !== undefined);
  const state = d.status.state;
  const live = s.workloads.filter((w) => w.deployment === d.deploymentId && !w.dead);
  // A failed update: the new version did not start, the old one runs on. Not an outage.
  const updateFailed = state === 'failed' && live.length > 0;
  const stateClass = updateFailed ? 'update-failed' : state;
  setAttr(card, 'class', `deployment state-${stateClass}`);
  setAttr(card, 'data-deployment', d.deploymentId);
  setText(title.children[0], d.deploymentId);
  setAttr(title.children[1], 'class', `chip state-${stateClass}`);
  setText(title.children[1], updateFailed ? `update failed, v${live[0].version} still running` : STATE_WORDS[state] ?? state);
  const message = d.status.error?.message;
  setText(line, message ?? '');
  setAttr(line, 'class', `status-line ${updateFailed || state === 'pending' ? 'warn' : 'error'}`);
  show(line, message !== undefined);
  syncList(rows, d.components, (c) => c.name, () => el('li', {}, el('strong'), el('span'), el('small'), el('code', { class: 'digest' }), el('div'), workloadDetailsView()), (row, c) => {
    const [name, cState, detail, digest, problem, more] = row.children as unknown as HTMLElement[];
    const w = live.find((x) => x.component === c.name) ?? s.workloads.find((x) => x.deployment === d.deploymentId && x.component === c.name);
    setAttr(row, 'data-component', c.name);
    setText(name, c.name);
    setText(cState, ` ${updateFailed && w && !w.dead ? 'running' : STATE_WORDS[c.state] ?? c.state}`);
    setText(detail, w ? ` v${w.version}${w.restarts ? ` · restarted ${w.restarts}×` : ''}${w.dead ? ' · stopped' : ''}` : '');
    const full = s.digests[`${d.deploymentId}/${c.name}`] ?? '';
    // After a failed update the desired digest is not the one running: say so.
    setText(digest, updateFailed && full ? `wanted ${full}` : full);
    setAttr(digest, 'title', full || undefined);
    show(digest, full !== '');
    // The component's error only when the status line does not already say it.
    const own = c.error && !(message ?? '').includes(c.error.message) ? c.error.message : !c.error && w?.lastError ? `last problem: ${w.lastError}` : '';
    setText(problem, own);
    setAttr(problem, 'class', c.error ? 'error' : 'warn');
    show(problem, own !== '');
    show(more, w?.details !== undefined);
    if (w?.details) updateWorkloadDetails(more, w.details, w.memory, s.events.filter((e) => e.who === `${d.deploymentId}/${c.name}`));
  });
}

/** A component's grants, triggers, limits and trigger calls, folded away until opened (it stays open across updates). */
function workloadDetailsView(): HTMLElement {
  return el('details', { class: 'workload-details' }, el('summary'), el('dl', {},
    el('dt', {}, 'grants'), el('dd', { class: 'grants' }),
    el('dt', {}, 'triggers'), el('dd', { class: 'triggers' }),
    el('dt', {}, 'limits'), el('dd', { class: 'limits' }),
    el('dt', {}, 'memory'), el('dd', { class: 'memory' }),
    el('dt', {}, 'last result'), el('dd', { class: 'last' }),
    el('dt', {}, 'its log'), el('dd', { class: 'own-log' })));
}

/** The newest lines of a component's own log (its `wasi:logging` lines and trigger errors), newest last. */
const OWN_LOG_LINES = 5;

function updateWorkloadDetails(node: HTMLElement, d: WorkloadDetails, memory: WorkloadMemory | undefined, events: readonly DeviceEvent[]): void {
  const own = events.filter((e) => e.kind === 'log').slice(-OWN_LOG_LINES);
  setText(node.querySelector('.own-log')!, own.map((e) => `${time(e.at)} ${e.level} ${e.text}`).join('\n') || 'nothing logged');
  const a = d.activity;
  setText(node.querySelector('summary')!, `${a.calls} call${a.calls === 1 ? '' : 's'} · ${a.errors} error${a.errors === 1 ? '' : 's'}${a.meanMs !== undefined ? ` · ${a.meanMs.toFixed(1)} ms mean` : ''}`);
  setText(node.querySelector('.grants')!, d.grants.join('\n') || 'none');
  setText(node.querySelector('.triggers')!, d.triggers.join('\n') || 'none');
  setText(node.querySelector('.limits')!, d.limits);
  setText(node.querySelector('.memory')!, memory ? describeMemory(memory) : 'not reported');
  const last = node.querySelector('.last')!;
  setText(last, a.last ? `${time(a.last.at)} ${a.last.text}` : 'no call yet');
  setAttr(last, 'class', `last${a.last && !a.last.ok ? ' error' : ''}`);
}

/** Restart and remove buttons of a card; remove asks first, saying what the desired state loses. */
function cardActions(id: string, actions: DeploymentActions): HTMLElement {
  const restart = el('button', { type: 'button', class: 'secondary restart' }, 'Restart');
  const remove = el('button', { type: 'button', class: 'secondary remove' }, 'Remove…');
  const message = el('p', { class: 'form-message action-message', role: 'status' });
  const question = el('p', { class: 'remove-question' });
  const yes = el('button', { type: 'button', class: 'danger remove-confirm' }, `Remove ${id}`);
  const no = el('button', { type: 'button', class: 'secondary remove-cancel' }, 'Keep it');
  const ask = el('div', { class: 'confirm', role: 'alertdialog' }, question, el('div', { class: 'row' }, yes, no));
  show(ask, false);
  show(message, false);
  const run = (what: string, action: () => Promise<string>) => {
    show(message, true);
    setText(message, `${what}…`);
    action().then((text) => setText(message, text), (error: Error) => setText(message, error.message));
  };
  restart.addEventListener('click', () => run('restarting', () => actions.restart(id)));
  const removal = actions.remove;
  if (!removal) return el('div', { class: 'actions' }, el('div', { class: 'row' }, restart), message);
  remove.addEventListener('click', () => {
    setText(question, removal.question(id));
    show(ask, true);
  });
  no.addEventListener('click', () => show(ask, false));
  yes.addEventListener('click', () => {
    show(ask, false);
    run('removing', () => removal.run(id));
  });
  return el('div', { class: 'actions' }, el('div', { class: 'row' }, restart, remove), ask, message);
}

function eventLine(e: DeviceEvent): HTMLElement {
  const what = e.kind === 'output' ? (e.level === 'info' ? `published to ${e.who}` : `output to ${e.who}`) : e.kind === 'actuator' ? `actuator ${e.who}` : e.who;
  return el('li', { class: `event ${e.kind} level-${e.level}` }, el('time', {}, time(e.at)), ' ', el('strong', {}, what), ' ', e.text);
}
