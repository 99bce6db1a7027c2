// SenML packs in CBOR (RFC 8428 §6, integer labels) on a peer's data topic: decoded into
// resolved records named `<peer>/<sensor>` with times in ms since the epoch, and encoded
// the way a peer sends them. Pure: the caller passes the peer id and the current time.

import { WasmhostError } from '../errors.js';
import { NAME_RULE, UNIT_RULE, asMap, cborType, decoding, encoding, numberValue, quote, textValue } from './codec.js';
import { readCbor, refuse } from './cbor.js';
import { LIMITS, NAME, PEER_ID, type Decoded, type SenmlRecord } from './frames.js';

/** RFC 8428 Table 4: the CBOR labels. */
export const SENML_LABELS = {
  bver: -1, bn: -2, bt: -3, bu: -4, bv: -5, bs: -6, n: 0, u: 1, v: 2, vs: 3, vb: 4, s: 5, t: 6, ut: 7, vd: 8,
} as const;
const L = SENML_LABELS;

/** The highest SenML version understood (RFC 8428's is 10). */
export const SENML_VERSION = 10;
/** Resolved times below 2^28 s are relative to now (RFC 8428 §4.5.3). */
export const RELATIVE_TIME_LIMIT_S = 2 ** 28;

/** Whose pack it is (its names resolve under `<peer>/`) and the time relative times count from, in ms. */
export interface SenmlContext { peer: string; now: number }

/** A measurement as a peer sends it: `name` is its own sensor name, `time` absolute ms or absent ("now"). */
export type SenmlInput = Omit<SenmlRecord, 'time'> & { time?: number };

/** Decodes a data frame into resolved records. Never throws for bad bytes. */
export function decodeSenml(bytes: Uint8Array, context: SenmlContext): Decoded<SenmlRecord[]> {
  if (!PEER_ID.test(context.peer) || !Number.isFinite(context.now)) {
    throw new WasmhostError('bad-input', `decodeSenml needs a valid peer id and a finite now, got ${quote(String(context.peer))} and ${context.now}`);
  }
  return decoding(() => {
    const pack = readCbor(bytes);
    if (!Array.isArray(pack)) refuse('top level', `expected an array, got ${cborType(pack)}`);
    if (pack.length > LIMITS.senmlRecords) refuse('', `${pack.length} records, over the limit of ${LIMITS.senmlRecords}`);
    const base: Base = { name: undefined, time: 0, unit: undefined, value: 0 };
    return pack.map((entry, i) => record(asMap(entry, `[${i}]`), `[${i}]`, base, context));
  });
}

interface Base { name: string | undefined; time: number; unit: string | undefined; value: number }

function record(m: Map<unknown, unknown>, path: string, base: Base, context: SenmlContext): SenmlRecord {
  for (const key of m.keys()) {
    if (typeof key === 'string' && key.endsWith('_')) refuse(path, `must-understand field ${quote(key)} is not supported`);
  }
  const get = <T>(label: number, key: string, read: (value: unknown, path: string) => T): T | undefined =>
    m.has(label) ? read(m.get(label), `${path}.${key}`) : undefined;
  const bver = get(L.bver, 'bver', (v, p) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v
    : refuse(p, `expected an unsigned integer, got ${cborType(v)}`)));
  if (bver !== undefined && bver > SENML_VERSION) refuse(`${path}.bver`, `SenML version ${bver} is not supported (up to ${SENML_VERSION})`);
  base.name = get(L.bn, 'bn', textValue) ?? base.name;
  base.time = get(L.bt, 'bt', numberValue) ?? base.time;
  base.unit = get(L.bu, 'bu', (v, p) => textValue(v, p, UNIT_RULE)) ?? base.unit;
  base.value = get(L.bv, 'bv', numberValue) ?? base.value;

  const result: SenmlRecord = { name: resolveName(m, path, base.name, context.peer), time: 0 };
  const unit = get(L.u, 'u', (v, p) => textValue(v, p, UNIT_RULE)) ?? base.unit;
  if (unit !== undefined) result.unit = unit;

  if (m.has(L.vd)) refuse(`${path}.vd`, 'data values are not supported');
  const present = (['v', 'vs', 'vb'] as const).filter((key) => m.has(L[key]));
  if (present.length === 0) refuse(path, 'no value (one of v, vs, vb)');
  if (present.length > 1) refuse(path, `more than one value (${present.join(', ')})`);
  const v = get(L.v, 'v', numberValue);
  if (v !== undefined) result.value = base.value + v;
  const vs = get(L.vs, 'vs', textValue);
  if (vs !== undefined) result.stringValue = vs;
  const vb = get(L.vb, 'vb', (value, p) => (typeof value === 'boolean' ? value : refuse(p, `expected true or false, got ${cborType(value)}`)));
  if (vb !== undefined) result.boolValue = vb;

  const seconds = base.time + (get(L.t, 't', numberValue) ?? 0);
  const ms = Math.round(seconds * 1000);
  result.time = seconds >= RELATIVE_TIME_LIMIT_S ? ms : context.now + ms;
  if (!Number.isFinite(result.time)) refuse(`${path}.t`, 'the resolved time is not a finite number');
  return result;
}

/** `<peer>/<n>` without a base name; `bn + n` with one, which must lie under `<peer>/`. */
function resolveName(m: Map<unknown, unknown>, path: string, bn: string | undefined, peer: string): string {
  if (bn === undefined) {
    if (!m.has(L.n)) refuse(`${path}.n`, 'missing (and no bn before it)');
    return `${peer}/${textValue(m.get(L.n), `${path}.n`, NAME_RULE)}`;
  }
  const full = bn + (m.has(L.n) ? textValue(m.get(L.n), `${path}.n`) : '');
  const prefix = `${peer}/`;
  if (!full.startsWith(prefix)) refuse(path, `name ${quote(full)} is not under ${quote(prefix)}`);
  const local = full.slice(prefix.length);
  if (!NAME.test(local)) refuse(path, `name ${quote(full)}: ${quote(local)} is not ${NAME_RULE.what}`);
  return full;
}

/**
 * A data frame as a peer sends it: names unprefixed (the host resolves them to `<peer>/<name>`),
 * one `u` per record with a unit, times as `bt` + `t` seconds when every record has one, else
 * an absolute `t` where given. Throws `bad-input` for records the host would refuse.
 */
export function encodeSenml(records: readonly SenmlInput[]): Uint8Array {
  const t0 = records.length > 0 && records.every((r) => r.time !== undefined) ? records[0].time : undefined;
  const pack = records.map((r, i) => {
    if (r.time !== undefined && !(r.time >= RELATIVE_TIME_LIMIT_S * 1000)) {
      throw new WasmhostError('bad-input', `cannot encode this SenML pack: [${i}]: time ${r.time} is not an absolute time in ms since the epoch`);
    }
    const m = new Map<number, unknown>();
    if (i === 0 && t0 !== undefined) m.set(L.bt, t0 / 1000);
    m.set(L.n, r.name);
    if (r.unit !== undefined) m.set(L.u, r.unit);
    if (r.value !== undefined) m.set(L.v, r.value);
    if (r.stringValue !== undefined) m.set(L.vs, r.stringValue);
    if (r.boolValue !== undefined) m.set(L.vb, r.boolValue);
    if (t0 === undefined && r.time !== undefined) m.set(L.t, r.time / 1000);
    if (t0 !== undefined && r.time !== t0) m.set(L.t, (r.time! - t0) / 1000);
    return m;
  });
  return encoding('SenML pack', pack, (bytes) => decodeSenml(bytes, { peer: 'peer', now: 0 }));
}
