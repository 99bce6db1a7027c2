// greenhouse-panel: a kiosk's screen logic as a wasmhost workload (componentize-js / QuickJS).
//
// Each `refresh` reads the sensors this deployment was granted and shows panel
// "greenhouse": humidity as a gauge, other sensors as values, and a chart of the
// first temperature sensor. The host draws the panel (the page, or the agent's
// console) and keeps the chart's points; the workload only appends the new one.

import logging from 'wasi:logging/logging@0.1.0-draft';
import sensors from 'wasmhost:device/sensors@0.1.0';
import panels from 'wasmhost:display/panels@0.1.0';

const CONTEXT = 'greenhouse-panel';
const PANEL = 'greenhouse';
const CHART = 'temperature trend';

/** The text of a WIT error variant: its tag and, if any, its value. */
function errorText(e) {
  const v = e?.payload ?? e;
  if (v && typeof v === 'object' && 'tag' in v) return v.val === undefined ? v.tag : `${v.tag}: ${v.val}`;
  return String(v);
}

function row(info, reading) {
  if (info.kind === 'humidity') {
    return { label: info.name, content: { tag: 'gauge', val: { value: reading.value, min: 0, max: 100, unit: reading.unit } } };
  }
  return { label: info.name, content: { tag: 'value', val: { value: reading.value, unit: reading.unit } } };
}

export function refresh() {
  const rows = [];
  let chart;
  let read = 0;
  for (const info of sensors.list()) {
    let reading;
    try {
      reading = sensors.read(info.name);
    } catch (e) {
      rows.push({ label: info.name, content: { tag: 'text', val: `unavailable (${errorText(e)})` } });
      continue;
    }
    read++;
    rows.push(row(info, reading));
    if (!chart && info.kind === 'temperature') chart = { unit: reading.unit, value: reading.value };
  }
  if (chart) rows.push({ label: CHART, content: { tag: 'series', val: chart.unit } });
  try {
    panels.show(PANEL, 'Greenhouse', rows);
    if (chart) panels.append(PANEL, CHART, chart.value);
  } catch (e) {
    const why = errorText(e);
    logging.log('warn', CONTEXT, `panel ${PANEL} not shown: ${why}`);
    throw why;
  }
  return read;
}
