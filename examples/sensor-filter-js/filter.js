// sensor-filter: a wasmhost sensor-app in JavaScript (componentize-js / QuickJS).
//
// Per sensor it keeps the last `window` accepted values (config "window",
// default 5). A new value more than `sigma` standard deviations (config
// "sigma", default 3) from the mean of a full-enough window is an anomaly:
// it is logged and left out. Everything else is added and smoothed.

import logging from 'wasi:logging/logging@0.1.0-draft';
import store from 'wasi:config/store@0.2.0-draft';
import sensors from 'wasmhost:device/sensors@0.1.0';

const CONTEXT = 'sensor-filter';
const MIN_SAMPLES = 3; // values needed before anomalies are judged

let settings;
const windows = new Map(); // sensor name -> recent accepted values
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

// Adds `value` to the sensor's window unless it is an anomaly; returns the average.
function filter(sensor, value, unit) {
  const { window, sigma } = config();
  let values = windows.get(sensor);
  if (!values) windows.set(sensor, (values = []));
  if (values.length >= MIN_SAMPLES) {
    const m = mean(values);
    const sd = Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
    const distance = Math.abs(value - m);
    if (distance > sigma * Math.max(sd, 1e-9)) {
      logging.log('warn', CONTEXT,
        `${sensor}: ${value} ${unit} dropped as an anomaly (mean ${m.toFixed(2)}, sd ${sd.toFixed(2)})`);
      return m;
    }
  }
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
