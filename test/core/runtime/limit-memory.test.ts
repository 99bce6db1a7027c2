import { describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';
import { limitMemory, WASM_PAGE } from '../../../src/component/limit-memory.js';
import { WasmhostError } from '../../../src/errors.js';

const MiB = 1048576;

/** A module with one defined memory and a `grow(pages) -> old size or -1` export. */
const growable = (limits: string) => `(module
  (memory (export "memory") ${limits})
  (data (i32.const 8) "kept")
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "peek") (result i32) (i32.load8_u (i32.const 8))))`;

async function instantiate(bytes: Uint8Array, imports?: Record<string, Record<string, unknown>>) {
  const { instance } = (await WebAssembly.instantiate(bytes, imports)) as unknown as { instance: WebAssembly.Instance };
  return instance.exports as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
}

describe('limitMemory', () => {
  it('gives a memory without a maximum one, so memory.grow fails past it', async () => {
    const { bytes, memories } = limitMemory(await parse(growable('1')), 4 * WASM_PAGE);
    expect(memories).toEqual([{ index: 0, initialPages: 1, maxPages: undefined, cappedPages: 4 }]);
    const m = await instantiate(bytes);
    expect(m.grow(3)).toBe(1);
    expect(m.grow(1)).toBe(-1);
    expect(m.size()).toBe(4);
    expect(m.peek()).toBe('k'.charCodeAt(0)); // data segments and code are intact
    expect(() => m.memory.grow(1)).toThrow(RangeError);
  });

  it('lowers a larger maximum (multi-byte LEB128) and keeps a smaller one', async () => {
    const large = limitMemory(await parse(growable('2 300')), 16 * MiB);
    expect(large.memories[0]).toMatchObject({ maxPages: 300, cappedPages: 256 });
    const m = await instantiate(large.bytes);
    expect(m.grow(254)).toBe(2);
    expect(m.grow(1)).toBe(-1);
    const small = limitMemory(await parse(growable('1 3')), 16 * MiB);
    expect(small.memories[0]).toMatchObject({ maxPages: 3, cappedPages: 3 });
    expect((await instantiate(small.bytes)).grow(3)).toBe(-1);
  });

  it('rounds the limit down to whole pages', async () => {
    const { memories } = limitMemory(await parse(growable('1')), 2.5 * WASM_PAGE);
    expect(memories[0].cappedPages).toBe(2);
  });

  it('caps shared memories too', async () => {
    const { bytes, memories } = limitMemory(await parse(growable('1 100 shared')), 8 * WASM_PAGE);
    expect(memories[0].cappedPages).toBe(8);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it('leaves an imported memory alone and returns a module without memories unchanged', async () => {
    const imported = await parse('(module (import "env" "memory" (memory 1)) (func (export "f")))');
    expect(limitMemory(imported, WASM_PAGE)).toEqual({ bytes: imported, memories: [] });
    const none = await parse('(module (func (export "f") (result i32) (i32.const 7)))');
    const out = limitMemory(none, WASM_PAGE);
    expect(out.bytes).toBe(none);
    expect((await instantiate(out.bytes)).f()).toBe(7);
  });

  it('refuses a memory that starts above the limit, saying how to fix it', async () => {
    const module = await parse(growable('32'));
    expect(() => limitMemory(module, MiB)).toThrow(/starts at 2 MiB, more than the workload's memory limit of 1 MiB; raise limits.memoryBytes/);
  });

  it('refuses bytes that are not a core module, a truncated one, or a limit below one page', async () => {
    expect(() => limitMemory(new Uint8Array(0), MiB)).toThrow(WasmhostError);
    expect(() => limitMemory(new Uint8Array(0), 100)).toThrow(/less than one 64 KiB page/);
    expect(() => limitMemory(Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]), MiB)).toThrow(/core WebAssembly module/);
    const module = await parse(growable('1'));
    expect(() => limitMemory(module.subarray(0, module.length - 3), MiB)).toThrow(/runs past the end/);
  });
});
