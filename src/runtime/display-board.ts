// What workloads show on the device's screen (`wasmhost:display/panels`): panels per workload,
// kept within fixed limits so a workload cannot grow the host's memory or the page's DOM
// without bound. The page and the agent's console render `panels()`; nothing here draws.
import { WasmhostError } from '../errors.js';

/** The host's limits on what one workload may show. */
export const DISPLAY_LIMITS = { panelsPerWorkload: 8, itemsPerPanel: 32, stringChars: 200, textChars: 1_000, seriesPoints: 240 } as const;

export type DisplayContent =
  | { kind: 'text'; text: string }
  | { kind: 'value'; value: number; unit: string }
  | { kind: 'gauge'; value: number; min: number; max: number; unit: string }
  | { kind: 'series'; unit: string; points: { atMs: number; value: number }[] };

export interface DisplayItem {
  label: string;
  content: DisplayContent;
}

/** One panel as a renderer sees it. */
export interface DisplayPanel {
  workload: string;
  name: string;
  title: string;
  items: DisplayItem[];
  /** When it last changed, ms since the epoch. */
  updatedMs: number;
}

/** The panels of every workload on this device. */
export interface DisplayBoard {
  /** Shows or replaces a panel; points of a series row with the same label and unit are kept. */
  show(workload: string, name: string, title: string, items: DisplayItem[]): void;
  append(workload: string, name: string, label: string, value: number): void;
  remove(workload: string, name: string): void;
  /** Takes every panel of a workload down (it was removed). */
  removeWorkload(workload: string): void;
  /** Every panel, by workload then name. */
  panels(): DisplayPanel[];
  /** Called after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

const PANEL_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Why a change was refused; `tag` is the WIT `display-error` case. */
export class DisplayError extends WasmhostError {
  constructor(readonly tag: 'not-found' | 'too-large' | 'invalid', message: string) {
    super('bad-input', message, { data: { tag } });
  }
}

export function createDisplayBoard(now: () => number = () => Date.now()): DisplayBoard {
  const byWorkload = new Map<string, Map<string, DisplayPanel>>();
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());

  return {
    show(workload, name, title, items) {
      checkName(name);
      checkString('title', title, DISPLAY_LIMITS.stringChars);
      if (items.length > DISPLAY_LIMITS.itemsPerPanel) throw new DisplayError('too-large', `a panel holds at most ${DISPLAY_LIMITS.itemsPerPanel} rows; ${name} has ${items.length}`);
      items.forEach(checkItem);
      const panels = byWorkload.get(workload) ?? new Map<string, DisplayPanel>();
      const old = panels.get(name);
      if (!old && panels.size >= DISPLAY_LIMITS.panelsPerWorkload) throw new DisplayError('too-large', `a workload shows at most ${DISPLAY_LIMITS.panelsPerWorkload} panels; remove one before showing ${name}`);
      const kept = items.map((item) => keepPoints(item, old));
      panels.set(name, { workload, name, title, items: kept, updatedMs: now() });
      byWorkload.set(workload, panels);
      changed();
    },
    append(workload, name, label, value) {
      const panel = byWorkload.get(workload)?.get(name);
      if (!panel) throw new DisplayError('not-found', `no panel ${name} is shown`);
      const row = panel.items.find((i) => i.label === label);
      if (!row || row.content.kind !== 'series') throw new DisplayError('not-found', `panel ${name} has no series row labelled ${JSON.stringify(label)}`);
      if (!Number.isFinite(value)) throw new DisplayError('invalid', `a series point must be a finite number, got ${value}`);
      const points = row.content.points;
      points.push({ atMs: now(), value });
      if (points.length > DISPLAY_LIMITS.seriesPoints) points.splice(0, points.length - DISPLAY_LIMITS.seriesPoints);
      panel.updatedMs = now();
      changed();
    },
    remove(workload, name) {
      if (byWorkload.get(workload)?.delete(name)) changed();
    },
    removeWorkload(workload) {
      if (byWorkload.delete(workload)) changed();
    },
    panels: () => [...byWorkload.keys()].sort().flatMap((w) => [...byWorkload.get(w)!.values()].sort((a, b) => a.name.localeCompare(b.name))),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function checkName(name: string): void {
  if (name.length > 40 || !PANEL_NAME.test(name)) throw new DisplayError('invalid', `a panel name is lower-case kebab-case of at most 40 characters, like "greenhouse"; got ${JSON.stringify(name.slice(0, 60))}`);
}

function checkString(what: string, text: string, max: number): void {
  if (text.length > max) throw new DisplayError('too-large', `${what} has ${text.length} characters; at most ${max} are shown`);
}

function checkItem(item: DisplayItem): void {
  checkString('a row label', item.label, DISPLAY_LIMITS.stringChars);
  const c = item.content;
  if (c.kind === 'text') return checkString(`row ${item.label}`, c.text, DISPLAY_LIMITS.textChars);
  checkString(`the unit of row ${item.label}`, c.unit, DISPLAY_LIMITS.stringChars);
  if (c.kind === 'series') return;
  if (!Number.isFinite(c.value)) throw new DisplayError('invalid', `row ${item.label}: the value must be a finite number, got ${c.value}`);
  if (c.kind === 'gauge' && !(Number.isFinite(c.min) && Number.isFinite(c.max) && c.min < c.max)) {
    throw new DisplayError('invalid', `row ${item.label}: a gauge needs finite min < max, got ${c.min}..${c.max}`);
  }
}

/** A series row keeps the points it had when the panel is shown again with the same label and unit. */
function keepPoints(item: DisplayItem, old: DisplayPanel | undefined): DisplayItem {
  if (item.content.kind !== 'series') return item;
  const before = old?.items.find((i) => i.label === item.label)?.content;
  const points = before?.kind === 'series' && before.unit === item.content.unit ? before.points : [];
  return { label: item.label, content: { kind: 'series', unit: item.content.unit, points } };
}
