// sensor-filter: a wasmhost sensor-app in JavaScript (componentize-js / QuickJS).
//
// Per sensor it keeps the last `window` accepted values (config "window",
// default 5). A new value more than `sigma` standard deviations (config
// "sigma", default 3) from the mean of a full-enough window is an anomaly:
// it is logged and left out. Everything else is added and smoothed.
//
// A slowly drifting sensor must still be followed, so the filter never trusts
// a window that is too quiet or has lost touch with the signal:
// - the standard deviation counts as at least `min-relative-sd` (default
//   0.005, i.e. 0.5 %) of the mean's magnitude: a window of 21.00, 21.02, 21.01
//   does not make 21.2 an anomaly;
// - `follow-after` (default 3) anomalies in a row on the same side of the mean
//   are the signal itself having moved: the window restarts from them. A single
//   spike is still dropped, since the next normal value ends the run.

import logging from 'wasi:logging/logging@0.1.0-draft';
import store from 'wasi:config/store@0.2.0-draft';
import sensors from 'wasmhost:device/sensors@0.1.0';

const CONTEXT = 'sensor-filter';
const MIN_SAMPLES = 3; // values needed before anomalies are judged

let settings;
const windows = new Map(); // sensor name -> recent accepted values
const outliers = new Map(); // sensor name -> the anomalies since the last accepted value
const plain = [];          // values passed to process()

function configNumber(key, fallback) {
  let text;
  try {
    text = store.get(key);
  } catch (e) {
    logging.log('warn', CONTEXT, `config "${key}": ${e?.val ?? e}; using ${fallback}`);
    return fallback;
  }
  if (text == null) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    logging.log('warn', CONTEXT, `config "${key}" is not a positive number: "${text}"; using ${fallback}`);
    return fallback;
  }
  return value;
}

function config() {
  settings ??= {
    window: Math.max(1, Math.floor(configNumber('window', 5))),
    sigma: configNumber('sigma', 3),
    minRelativeSd: configNumber('min-relative-sd', 0.005),
    followAfter: Math.max(1, Math.floor(configNumber('follow-after', 3))),
  };
  return settings;
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function push(values, value, size) {
  values.push(value);
  if (values.length > size) values.splice(0, values.length - size);
}

function standardDeviation(values) {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
}

// Whether `value` is an anomaly against `values`; the spread never counts as less than the floor.
function isAnomaly(values, value) {
  const { sigma, minRelativeSd } = config();
  const m = mean(values);
  const spread = Math.max(standardDeviation(values), minRelativeSd * Math.abs(m), 1e-9);
  return Math.abs(value - m) > sigma * spread;
}

// Adds `value` to the sensor's window unless it is an anomaly; returns the average.
function filter(sensor, value, unit) {
  const { window, followAfter } = config();
  let values = windows.get(sensor);
  if (!values) windows.set(sensor, (values = []));
  if (values.length >= MIN_SAMPLES && isAnomaly(values, value)) {
    const m = mean(values);
    const run = outliers.get(sensor) ?? [];
    // Anomalies in a row on the same side of the mean are where the signal is now.
    const agrees = run.length > 0 && Math.sign(value - m) === Math.sign(run[0] - m);
    const next = agrees ? [...run, value] : [value];
    if (next.length < followAfter) {
      outliers.set(sensor, next);
      logging.log('warn', CONTEXT,
        `${sensor}: ${value} ${unit} dropped as an anomaly (mean ${m.toFixed(2)}, sd ${standardDeviation(values).toFixed(2)})`);
      return m;
    }
    logging.log('info', CONTEXT,
      `${sensor}: following the signal to ${value} ${unit} (${next.length} readings in a row away from mean ${m.toFixed(2)})`);
    values.splice(0, values.length, ...next.slice(-window));
    outliers.delete(sensor);
    return mean(values);
  }
  outliers.delete(sensor);
  push(values, value, window);
  return mean(values);
}

export function process(value) {
  push(plain, value, config().window);
  return mean(plain);
}

// wasmhost:workload/reading-handler: exported interfaces are objects named in camelCase.
export const readingHandler = {
  onReading(sensor, reading) {
    if (!Number.isFinite(reading.value)) throw `${sensor}: reading is not a finite number`;
    filter(sensor, reading.value, reading.unit);
  },
};

export function sample(sensor) {
  let reading;
  try {
    reading = sensors.read(sensor);
  } catch (e) {
    // A result error arrives as an Error whose `payload` is the sensor-error variant.
    const err = e?.payload ?? e;
    const cause = err?.tag ? (err.val !== undefined ? `${err.tag}: ${err.val}` : err.tag) : String(err);
    throw `${sensor}: ${cause}`;
  }
  const value = filter(sensor, reading.value, reading.unit);
  return { value, unit: reading.unit, timestampMs: reading.timestampMs };
}
