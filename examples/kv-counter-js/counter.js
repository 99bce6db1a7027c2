// kv-counter: a wasmhost workload in JavaScript (componentize-js / QuickJS) that
// keeps per-sensor counters and last values in wasi:keyvalue buckets.
//
// Bucket "counts": key = sensor, value = its count (atomics.increment; the host
// stores counters as decimal text). Bucket "last": key = sensor, value = UTF-8 text.
// In this runtime u64/s64 are JS numbers and an option's none is null.

import logging from 'wasi:logging/logging@0.1.0-draft';
import store from 'wasi:keyvalue/store@0.2.0-draft2';
import atomics from 'wasi:keyvalue/atomics@0.2.0-draft2';
import batch from 'wasi:keyvalue/batch@0.2.0-draft2';

const CONTEXT = 'kv-counter';
const MAX_CAS_TRIES = 5;
const buckets = new Map(); // name -> bucket, opened once and kept

// QuickJS has no TextEncoder/TextDecoder: UTF-8 by hand.
function encode(text) {
  const out = [];
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

function decode(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i++];
    const extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
    let c = extra ? b & (0x3f >> extra) : b;
    for (let k = 0; k < extra; k++) c = (c << 6) | (bytes[i++] & 63);
    text += String.fromCodePoint(c);
  }
  return text;
}

// An import's `result` error reaches JS as an Error whose `payload` is the WIT value.
function describe(e) {
  const err = e?.payload ?? e;
  if (err?.tag === 'store-error') return describe(err.val);
  return err?.tag ? (typeof err.val === 'string' ? `${err.tag}: ${err.val}` : err.tag) : String(err);
}

// Runs `fn` with the named bucket; an error becomes the export's `err` string.
function withBucket(name, fn) {
  try {
    let bucket = buckets.get(name);
    if (!bucket) buckets.set(name, (bucket = store.open(name)));
    return fn(bucket);
  } catch (e) {
    throw typeof e === 'string' ? e : `${name}: ${describe(e)}`;
  }
}

export function count(sensor) {
  return withBucket('counts', (bucket) => {
    const n = atomics.increment(bucket, sensor, 1);
    logging.log('debug', CONTEXT, `${sensor}: count ${n}`);
    return n;
  });
}

export function counts() {
  return withBucket('counts', (bucket) => {
    const pairs = [];
    let cursor = null;
    do {
      const page = bucket.listKeys(cursor);
      for (const entry of batch.getMany(bucket, page.keys)) {
        if (entry) pairs.push([entry[0], Number(decode(entry[1]))]);
      }
      cursor = page.cursor ?? null;
    } while (cursor !== null);
    return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  });
}

export function last(sensor) {
  return withBucket('last', (bucket) => {
    const value = bucket.get(sensor);
    return value == null ? null : decode(value);
  });
}

export function remember(sensor, value) {
  return withBucket('last', (bucket) => {
    let cas = atomics.Cas.new(bucket, sensor);
    for (let tries = 1; ; tries++) {
      const previous = cas.current();
      try {
        atomics.swap(cas, encode(value));
        return previous == null ? null : decode(previous);
      } catch (e) {
        if (e?.payload?.tag !== 'cas-failed' || tries >= MAX_CAS_TRIES) throw e;
        logging.log('info', CONTEXT, `${sensor}: value changed while remembering; retrying`);
        cas = e.payload.val;
      }
    }
  });
}

export function tryOpen(name) {
  try {
    store.open(name)[Symbol.dispose]?.();
    return 'ok';
  } catch (e) {
    return describe(e);
  }
}
