// Malformed and hostile frames, from a seeded PRNG, at every decoder: none may throw, every
// refusal gives one of the documented reasons, every accepted frame re-encodes to itself,
// and the golden frames decode exactly as before once the storm is over.
import { describe, expect, it } from 'vitest';
import {
  decodeBirth, decodeDeath, decodeRpcReply, decodeRpcRequest, encodeBirth, encodeDeath, encodeRpcReply, encodeRpcRequest,
} from '../../../src/bridge/codec.js';
import { readCbor, writeCbor } from '../../../src/bridge/cbor.js';
import { decodeSenml } from '../../../src/bridge/senml.js';
import { WasmhostError } from '../../../src/errors.js';
import { fixture, fixtureNames } from './fixtures.js';
import { seeded } from '../../support/fuzz-random.js';

/** Floats in [0, 1) from a seed (mulberry32), so a failure replays. */
const prng = (seed: number): (() => number) => seeded(seed).next;

const SEED = 0x5e11_b1d9;
const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];
const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
const valid = fixtureNames().map((name) => fixture(name));
const INTERESTING = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x3b, 0x5f, 0x7f, 0x7b, 0x9b, 0x9f, 0xbb, 0xbf, 0xc1, 0xd8, 0xf4, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xff];

const ctx = { peer: 'peer-7', now: 1764028800000 };
const decoders: [string, (b: Uint8Array) => { ok: boolean; reason?: string; frame?: unknown }][] = [
  ['decodeBirth', (b) => decodeBirth(b)],
  ['decodeBirth(peer)', (b) => decodeBirth(b, { peer: 'peer-7' })],
  ['decodeDeath', (b) => decodeDeath(b)],
  ['decodeRpcRequest', decodeRpcRequest],
  ['decodeRpcReply', decodeRpcReply],
  ['decodeSenml', (b) => decodeSenml(b, ctx)],
];
const reencode: Record<string, (frame: never) => Uint8Array> = {
  decodeBirth: encodeBirth, decodeDeath: encodeDeath, decodeRpcRequest: encodeRpcRequest, decodeRpcReply: encodeRpcReply,
};

/** The shapes of every reason the decoders give; a cbor-x message leaking through would match none. */
const REASONS = [
  /^frame is empty$/,
  /^frame is \d+ bytes, over the 4096-byte limit$/,
  /^not CBOR: (truncated at byte \d+|\d+ bytes? after the item|reserved additional information \d+ at byte \d+|additional information 31 with major type \d at byte \d+|unexpected break at byte \d+|invalid UTF-8 in the text string at byte \d+|invalid simple value encoding at byte \d+)$/,
  /^indefinite-length item at byte \d+ \(only definite lengths are allowed\)$/,
  /^tag \d+ at byte \d+ \(tags are not allowed\)$/,
  /^simple value \d+ at byte \d+ \(only false, true and null are allowed\)$/,
  /^nesting deeper than 16 levels at byte \d+$/,
  /^duplicate map key at byte \d+$/,
  /^\d+ records, over the limit of 256$/,
  /^(top level|\[\d+\](\.[a-z]+)?|[a-z]+(\[\d+\](\.[a-z]+)?)?): (missing|expected |unsupported major|unknown (op|error code) |duplicate name |min |must-understand |SenML version |no value |more than one value |data values |name "|"|\d+ (bytes|entries), over|-?[\d.e+]+ is over the limit|the resolved time )/,
];

// ---- generators ---------------------------------------------------------------------

function randomBytes(): Uint8Array {
  const r = random();
  return bytes(r < 0.3 ? int(17) : r < 0.9 ? int(257) : int(4200));
}

/** Random item heads: CBOR-shaped noise that reaches past the first byte more often. */
function randomHeads(): Uint8Array {
  const out: number[] = [];
  const n = 1 + int(40);
  for (let i = 0; i < n; i++) {
    const major = int(8);
    const info = pick([int(24), 24, 25, 26, 27, 28, 31]);
    out.push((major << 5) | info);
    if (info >= 24 && info <= 27) for (let k = 0; k < 1 << (info - 24); k++) out.push(random() < 0.7 ? int(4) : int(256));
    if ((major === 2 || major === 3) && info < 24) for (let k = 0; k < info; k++) out.push(0x61 + int(26));
  }
  return Uint8Array.from(out);
}

const truncated = () => { const v = pick(valid); return v.subarray(0, int(v.length)); };

function flipped(): Uint8Array {
  const v = Uint8Array.from(pick(valid));
  for (let i = 1 + int(4); i > 0; i--) v[int(v.length)] ^= 1 << int(8);
  return v;
}

function mutated(): Uint8Array {
  const v = [...pick(valid)];
  for (let i = 1 + int(3); i > 0; i--) {
    const at = int(v.length + 1);
    const op = int(3);
    if (op === 0) v.splice(at, 0, pick(INTERESTING));
    else if (op === 1) v.splice(at, 1);
    else v[Math.min(at, v.length - 1)] = pick(INTERESTING);
  }
  return Uint8Array.from(v);
}

/** Up to 4000 levels of arrays and maps, alone or under an unknown key of a valid death frame. */
function nested(): Uint8Array {
  const depth = 1 + int(4000);
  const body: number[] = [];
  for (let i = 0; i < depth; i++) body.push(...(random() < 0.5 ? [0x81] : [0xa1, 0x61, 0x78]));
  body.push(0x00);
  if (random() < 0.5) return Uint8Array.from(body);
  const death = fixture('death');
  return Uint8Array.from([0xa4, ...death.subarray(1), 0x61, 0x78, ...body]);
}

/** A head declaring a huge string, array or map, alone, in place of a value, or spliced in. */
function hugeLength(): Uint8Array {
  const head = [[0x5b, 0x7b, 0x9b, 0xbb][int(4)], ...bytes(8)];
  const head32 = [[0x5a, 0x7a, 0x9a, 0xba][int(4)], 0xff, 0xff, 0xff, int(256)];
  const h = random() < 0.5 ? head : head32;
  const r = random();
  if (r < 0.3) return Uint8Array.from(h);
  const v = [...pick(valid)];
  if (r < 0.6) return Uint8Array.from([...v.slice(0, v.length - 1), ...h]);
  v.splice(int(v.length), 0, ...h);
  return Uint8Array.from(v);
}

const HOSTILE: unknown[] = [
  NaN, Infinity, -Infinity, -1, 1.5, -0, 2 ** 32, 2 ** 53, 2 ** 64, 0, 'x', '', 'a b', 'é'.repeat(200), 'peer-8',
  new Uint8Array(3), [], [1, 'x'], new Map(), new Map([[1, 2]]), true, false, null,
];

/** Every field of every golden frame replaced by every hostile value, or removed. */
function wrongTypes(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const frame of valid) {
    const root = readCbor(frame);
    const visit = (node: unknown, replace: (value: unknown) => void, remove?: () => void) => {
      for (const value of HOSTILE) {
        replace(value);
        out.push(writeCbor(root));
      }
      if (remove) { remove(); out.push(writeCbor(root)); }
      replace(node);
      if (node instanceof Map) {
        for (const [k, v] of [...node]) visit(v, (x) => node.set(k, x), () => node.delete(k));
      } else if (Array.isArray(node)) {
        node.forEach((v, i) => visit(v, (x) => { node[i] = x; }));
      }
    };
    if (root instanceof Map) for (const [k, v] of [...root]) visit(v, (x) => root.set(k, x), () => root.delete(k));
    else if (Array.isArray(root)) root.forEach((v, i) => visit(v, (x) => { root[i] = x; }));
  }
  return out;
}

function oversized(): Uint8Array {
  const n = 4097 + int(16000);
  if (random() < 0.5) return bytes(n);
  const text = new TextEncoder().encode('x'.repeat(n));
  return Uint8Array.from([0xa2, 0x61, 0x76, 0x01, 0x61, 0x78, 0x79, n >> 8, n & 0xff, ...text]);
}

function spliced(): Uint8Array {
  const a = pick(valid);
  const b = pick(valid);
  return Uint8Array.from([...a.subarray(0, int(a.length)), ...b.subarray(int(b.length))]);
}

// ---- the storm ------------------------------------------------------------------------

describe('fuzz: malformed and hostile frames at every decoder', () => {
  it(`throws nothing, refuses with documented reasons, and leaves valid frames decoding (seed ${SEED.toString(16)})`, () => {
    const before = valid.map((v) => decoders.map(([, decode]) => JSON.stringify(decode(v))));
    const generators: [string, () => Uint8Array, number][] = [
      ['random bytes', randomBytes, 2500],
      ['random heads', randomHeads, 2500],
      ['truncated', truncated, 1500],
      ['bit flips', flipped, 2500],
      ['byte mutations', mutated, 2000],
      ['deep nesting', nested, 300],
      ['huge lengths', hugeLength, 1000],
      ['oversized', oversized, 200],
      ['splices', spliced, 1000],
    ];
    const frames: [string, Uint8Array][] = [];
    for (const [name, generate, count] of generators) for (let i = 0; i < count; i++) frames.push([name, generate()]);
    for (const frame of wrongTypes()) frames.push(['wrong types', frame]);

    const exceptions: string[] = [];
    const strayReasons = new Set<string>();
    const counts: Record<string, { frames: number; accepted: number }> = {};
    const started = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    let slowest = { ms: 0, kind: '' };
    for (const [kind, frame] of frames) {
      const t0 = performance.now();
      const count = (counts[kind] ??= { frames: 0, accepted: 0 });
      count.frames++;
      for (const [name, decode] of decoders) {
        let result;
        try {
          result = decode(frame);
        } catch (error) {
          if (exceptions.length < 5) exceptions.push(`${kind} → ${name}: ${String(error)} on ${Buffer.from(frame).toString('hex').slice(0, 200)}`);
          else exceptions.push('');
          continue;
        }
        if (!result.ok) {
          if (!REASONS.some((r) => r.test(result.reason!))) strayReasons.add(`${name}: ${result.reason}`);
          continue;
        }
        count.accepted++;
        const encode = reencode[name.replace('(peer)', '')];
        if (!encode) continue;
        try {
          expect(decode(encode(result.frame as never))).toEqual(result);
        } catch (error) {
          const tooBig = error instanceof WasmhostError && /over the 4096-byte limit/.test(error.message);
          if (!tooBig) exceptions.push(`${kind} → ${name} re-encode: ${String(error)}`);
        }
      }
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, kind };
    }
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const seconds = (performance.now() - started) / 1000;
    const decodes = frames.length * decoders.length;
    console.log(`bridge fuzz: ${frames.length} frames × ${decoders.length} decoders = ${decodes} decodes in ${seconds.toFixed(2)} s `
      + `(${Math.round(frames.length / seconds)} frames/s, ${Math.round(decodes / seconds)} decodes/s); `
      + Object.entries(counts).map(([k, c]) => `${k} ${c.frames}${c.accepted ? ` (${c.accepted} accepted)` : ''}`).join(', ')
      + `; slowest frame ${slowest.ms.toFixed(1)} ms (${slowest.kind}), heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`);

    expect(frames.length).toBeGreaterThanOrEqual(10_000);
    expect(exceptions.filter(Boolean).slice(0, 5), `${exceptions.length} exceptions`).toEqual([]);
    expect(exceptions.length).toBe(0);
    // No hang: every frame through all decoders well inside a bound (a hang guard, not a speed target);
    // no leak: what the run keeps is bounded.
    expect(slowest.ms, `slowest: ${slowest.kind}`).toBeLessThan(2000);
    expect(heapGrowth).toBeLessThan(128 * 2 ** 20);
    expect([...strayReasons].slice(0, 10)).toEqual([]);
    const after = valid.map((v) => decoders.map(([, decode]) => JSON.stringify(decode(v))));
    expect(after).toEqual(before);
    expect(before.flat().filter((r) => r.startsWith('{"ok":true')).length).toBeGreaterThanOrEqual(valid.length);
  });
});
