// Seeded mutations of valid component binaries through everything that reads a component's
// types: readWorld, then printing, JSON and export lookup of what it accepts. 0 crashes (only
// WasmhostError), 0 hangs (a per-input bound), bounded memory and output. Replay a failure
// with the seed and input index it prints.
import { readFileSync } from 'node:fs';
import { parse } from '@bytecodealliance/jco';
import { beforeAll, describe, expect, it } from 'vitest';
import { readWorld } from '../../../src/component/read-world.js';
import { printWorld } from '../../../src/component/print-world.js';
import { resolveExport } from '../../../src/runtime/export-path.js';
import { WasmhostError } from '../../../src/errors.js';
import { buildWatComponent, WAT_FIXTURES } from '../../support/wat-components.js';
import { sectionBounds } from './decode/component-bytes.js';
import { seeded } from '../../support/fuzz-random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0xc0_4d_e5);
const INPUTS_PER_SEED = 600;
/** Bytes that make LEB128 counts, sizes and indices large or odd. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x41, 0x42, 0x6f, 0x70, 0x72, 0x71];

/** Floats in [0, 1) from a seed (mulberry32), so a failure replays. */
const prng = (seed: number): (() => number) => seeded(seed).next;

let seeds: { name: string; bytes: Uint8Array; typeRanges: [number, number][] }[];

beforeAll(async () => {
  const built = await Promise.all(WAT_FIXTURES.map(async (name) => ({ name, bytes: await buildWatComponent(name) })));
  const dag = await parse(readFileSync(new URL('../../fixtures/hostile/type-dag.wat', import.meta.url), 'utf8'));
  seeds = [...built, { name: 'type-dag', bytes: dag }].map(({ name, bytes }) => ({
    name,
    bytes,
    // The component's own sections (not core modules or custom sections): where its types live.
    typeRanges: sectionBounds(bytes).filter((s) => s.id > 1).map((s) => [s.start, s.end] as [number, number]),
  }));
}, 60_000);

/** One mutation of `bytes`, mostly inside the component's type-bearing sections. */
function mutate(bytes: Uint8Array, ranges: [number, number][], random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const v = [...bytes];
  const position = () => {
    if (ranges.length === 0 || random() < 0.2) return 8 + int(v.length - 8);
    const [start, end] = ranges[int(ranges.length)];
    return Math.min(v.length - 1, start + int(end - start));
  };
  for (let n = random() < 0.6 ? 1 : 2 + int(3); n > 0; n--) {
    const at = position();
    switch (int(6)) {
      case 0: v[at] ^= 1 << int(8); break;
      case 1: v[at] = INTERESTING[int(INTERESTING.length)]; break;
      case 2: v.splice(at, 1 + int(4)); break;
      case 3: v.splice(at, 0, ...Array.from({ length: 1 + int(4) }, () => int(256))); break;
      case 4: v.splice(at, 0, ...v.slice(at, at + 1 + int(32))); break; // a repeated run: more items, re-used indices
      default: v.splice(at, 1, 0xff, 0xff, 0xff, 0xff, 0x0f); break; // a LEB128 near 2^32
    }
  }
  return Uint8Array.from(v.length > 8 ? v : bytes);
}

describe('fuzz: mutated components through readWorld, printing and export lookup', () => {
  it(`throws only WasmhostError, never hangs, keeps memory and output bounded (seed ${SEED.toString(16)})`, () => {
    const random = prng(SEED);
    const failures: string[] = [];
    const codes: Record<string, number> = {};
    let accepted = 0;
    let slowest = { ms: 0, at: '' };
    let largestOutput = 0;
    const heapBefore = process.memoryUsage().heapUsed;
    for (const seed of seeds) {
      for (let i = 0; i < INPUTS_PER_SEED; i++) {
        const input = mutate(seed.bytes, seed.typeRanges, random);
        const where = `${seed.name} #${i} (FUZZ_SEED=${SEED})`;
        const t0 = performance.now();
        try {
          const world = readWorld(input);
          accepted++;
          const text = printWorld(world);
          const json = JSON.stringify(world);
          largestOutput = Math.max(largestOutput, text.length, json.length);
          try {
            resolveExport(world, 'no-such-export');
          } catch (error) {
            if (!(error instanceof WasmhostError)) throw error;
            largestOutput = Math.max(largestOutput, error.message.length);
          }
        } catch (error) {
          if (error instanceof WasmhostError) codes[error.code] = (codes[error.code] ?? 0) + 1;
          else if (failures.length < 5) failures.push(`${where}: ${String(error)}`);
        }
        const ms = performance.now() - t0;
        if (ms > slowest.ms) slowest = { ms, at: where };
      }
    }
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`component fuzz: ${seeds.length * INPUTS_PER_SEED} inputs, ${accepted} accepted, refusals ${JSON.stringify(codes)}; `
      + `slowest ${slowest.ms.toFixed(1)} ms (${slowest.at}), largest output ${largestOutput} chars, heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`);
    expect(failures).toEqual([]);
    expect(accepted).toBeGreaterThan(0);
    expect(Object.keys(codes).sort()).toEqual(expect.arrayContaining(['not-a-component']));
    // Bounds that catch a hang or a blow-up, not speed targets.
    expect(slowest.ms, slowest.at).toBeLessThan(2000);
    expect(largestOutput).toBeLessThan(16 * 2 ** 20);
    expect(heapGrowth).toBeLessThan(256 * 2 ** 20);
  });
});
