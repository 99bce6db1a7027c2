// Draws the panels workloads show through `wasmhost:display` (the host's display board).
// Text only (a workload's strings are never parsed as HTML), updated in place: a panel or
// row keeps its element while it exists, so selection and a screen reader's place survive.
import type { DisplayContent, DisplayItem, DisplayPanel } from '../src/runtime/display-board.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHART_WIDTH = 240;
const CHART_HEIGHT = 48;

/** Renders `panels` into `container`, reusing the elements of panels and rows still shown. */
export function renderPanels(container: HTMLElement, panels: readonly DisplayPanel[]): void {
  const existing = new Map([...container.children].map((c) => [(c as HTMLElement).dataset.panel ?? '', c as HTMLElement]));
  const wanted = panels.map((panel) => {
    const key = `${panel.workload}\u0000${panel.name}`;
    const node = existing.get(key) ?? createPanel(key);
    updatePanel(node, panel);
    return node;
  });
  if (wanted.length === 0) {
    const empty = document.createElement('p');
    empty.className = 'empty';
    empty.textContent = 'No workload shows a panel.';
    container.replaceChildren(empty);
    return;
  }
  syncChildren(container, wanted);
}

function createPanel(key: string): HTMLElement {
  const node = document.createElement('article');
  node.className = 'panel';
  node.dataset.panel = key;
  const title = document.createElement('h3');
  const source = document.createElement('small');
  const rows = document.createElement('dl');
  node.append(title, source, rows);
  return node;
}

function updatePanel(node: HTMLElement, panel: DisplayPanel): void {
  const [title, source, rows] = node.children as unknown as [HTMLElement, HTMLElement, HTMLElement];
  setText(title, panel.title || panel.name);
  setText(source, `${panel.workload} · ${panel.name}`);
  const existing = new Map<string, [HTMLElement, HTMLElement]>();
  for (let i = 0; i + 1 < rows.children.length; i += 2) {
    const dt = rows.children[i] as HTMLElement;
    existing.set(dt.dataset.label ?? '', [dt, rows.children[i + 1] as HTMLElement]);
  }
  const wanted = panel.items.flatMap((item) => {
    const pair = existing.get(item.label) ?? createRow(item.label);
    updateRow(pair[1], item);
    existing.delete(item.label);
    return pair;
  });
  syncChildren(rows, wanted);
}

function createRow(label: string): [HTMLElement, HTMLElement] {
  const dt = document.createElement('dt');
  dt.dataset.label = label;
  dt.textContent = label;
  return [dt, document.createElement('dd')];
}

function updateRow(dd: HTMLElement, item: DisplayItem): void {
  const c = item.content;
  if (dd.dataset.kind !== c.kind) {
    dd.dataset.kind = c.kind;
    dd.replaceChildren();
  }
  switch (c.kind) {
    case 'text': return setText(dd, c.text);
    case 'value': return setText(dd, withUnit(c.value, c.unit));
    case 'gauge': return updateGauge(dd, item.label, c);
    case 'series': return updateSeries(dd, item.label, c);
  }
}

function updateGauge(dd: HTMLElement, label: string, c: Extract<DisplayContent, { kind: 'gauge' }>): void {
  let meter = dd.querySelector('meter');
  let text = dd.querySelector('span');
  if (!meter || !text) {
    meter = document.createElement('meter');
    text = document.createElement('span');
    dd.replaceChildren(meter, text);
  }
  meter.min = c.min;
  meter.max = c.max;
  meter.value = c.value;
  meter.setAttribute('aria-label', label);
  setText(text, ` ${withUnit(c.value, c.unit)}`);
}

function updateSeries(dd: HTMLElement, label: string, c: Extract<DisplayContent, { kind: 'series' }>): void {
  let svg = dd.querySelector('svg');
  let text = dd.querySelector('span');
  if (!svg || !text) {
    svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`);
    svg.setAttribute('role', 'img');
    svg.append(document.createElementNS(SVG, 'polyline'));
    text = document.createElement('span');
    dd.replaceChildren(svg, text);
  }
  const values = c.points.map((p) => p.value);
  const last = values.at(-1);
  svg.setAttribute('aria-label', last === undefined ? `${label}: no points yet` : `${label}: ${values.length} points, last ${withUnit(last, c.unit)}`);
  svg.firstElementChild!.setAttribute('points', polyline(values));
  setText(text, last === undefined ? 'no points yet' : ` ${withUnit(last, c.unit)}`);
}

/** The points of a line chart scaled to the chart's box (a flat line for one value). */
function polyline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const step = values.length > 1 ? CHART_WIDTH / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(CHART_HEIGHT - 2 - ((v - min) / span) * (CHART_HEIGHT - 4)).toFixed(1)}`).join(' ');
}

function withUnit(value: number, unit: string): string {
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) >= 100 ? 0 : 1);
  return unit ? `${shown} ${unit}` : shown;
}

/** Sets text only when it changed, so an unchanged node keeps its selection. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Makes `parent`'s children exactly `wanted`, in order, moving only what is out of place. */
function syncChildren(parent: HTMLElement, wanted: readonly Element[]): void {
  const keep = new Set(wanted);
  for (const child of [...parent.children]) if (!keep.has(child)) child.remove();
  wanted.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  });
}
