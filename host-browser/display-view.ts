// Draws the panels workloads show through `wasmhost:display` (the host's display board), in
// place: a panel or row keeps its element while it exists. Text only (a workload's strings are
// never parsed as HTML); a gauge is a <meter>, a series an SVG line with its last value as text.
import type { DisplayContent, DisplayItem, DisplayPanel } from '../src/runtime/display-board.js';
import { el, setAttr, setText, syncList } from './dom-sync.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHART_WIDTH = 240;
const CHART_HEIGHT = 48;

/** Makes `list`'s children the panels, one <article> each. */
export function syncPanels(list: HTMLElement, panels: readonly DisplayPanel[]): void {
  syncList(list, panels, (p) => `${p.workload}\u0000${p.name}`, () => el('article', { class: 'panel' }, el('h3'), el('small'), el('dl')), (node, panel) => {
    const [title, source, rows] = node.children as unknown as [HTMLElement, HTMLElement, HTMLElement];
    setAttr(node, 'data-panel', panel.name);
    setText(title, panel.title || panel.name);
    setText(source, `${panel.workload} · ${panel.name}`);
    syncList(rows, panel.items, (i) => i.label, () => el('div', { class: 'panel-row' }, el('dt'), el('dd')), updateRow);
  });
}

function updateRow(row: HTMLElement, item: DisplayItem): void {
  const [dt, dd] = row.children as unknown as [HTMLElement, HTMLElement];
  setText(dt, item.label);
  const c = item.content;
  if (dd.dataset.kind !== c.kind) {
    dd.dataset.kind = c.kind;
    dd.replaceChildren(...contentNodes(c.kind));
  }
  switch (c.kind) {
    case 'text': return setText(dd, c.text);
    case 'value': return setText(dd, withUnit(c.value, c.unit));
    case 'gauge': return updateGauge(dd, item.label, c);
    case 'series': return updateSeries(dd, item.label, c);
  }
}

function contentNodes(kind: DisplayContent['kind']): Node[] {
  if (kind === 'gauge') return [el('meter'), el('span')];
  if (kind !== 'series') return [];
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.append(document.createElementNS(SVG, 'polyline'));
  return [svg, el('span')];
}

function updateGauge(dd: HTMLElement, label: string, c: Extract<DisplayContent, { kind: 'gauge' }>): void {
  const [meter, text] = dd.children as unknown as [HTMLMeterElement, HTMLElement];
  if (meter.min !== c.min) meter.min = c.min;
  if (meter.max !== c.max) meter.max = c.max;
  if (meter.value !== c.value) meter.value = c.value;
  setAttr(meter, 'aria-label', label);
  setText(text, ` ${withUnit(c.value, c.unit)}`);
}

function updateSeries(dd: HTMLElement, label: string, c: Extract<DisplayContent, { kind: 'series' }>): void {
  const [svg, text] = dd.children as unknown as [SVGElement, HTMLElement];
  const values = c.points.map((p) => p.value);
  const last = values.at(-1);
  setAttr(svg, 'aria-label', last === undefined ? `${label}: no points yet` : `${label}: ${values.length} points, last ${withUnit(last, c.unit)}`);
  setAttr(svg.firstElementChild!, 'points', polyline(values));
  setText(text, last === undefined ? ' no points yet' : ` ${withUnit(last, c.unit)}`);
}

/** The points of a line chart scaled to the chart's box (a flat line for equal values). */
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
