import { WasmhostError } from '../errors.js';

// A worker's heap limit does not cover WebAssembly memory. To cap it deterministically,
// the memory section of a core module is rewritten before compiling: every memory the
// module defines gets a maximum of at most the limit, so `memory.grow` past it returns
// -1 (as with Wasmtime's store limits). Imported memories are not in the memory section
// and are left alone: their owner's definition is capped instead.

/** Bytes in one WebAssembly page. */
export const WASM_PAGE = 65536;

const MEMORY_SECTION = 5;
// Limits flags: 0x01 has a maximum, 0x02 shared, 0x04 memory64 (same LEB128 fields), 0x08 custom page size.
const HAS_MAX = 0x01;
const CUSTOM_PAGE_SIZE = 0x08;

/** What `limitMemory` did to one defined memory. */
export interface MemoryCap { index: number; initialPages: number; maxPages: number | undefined; cappedPages: number }

/**
 * Returns the module with each defined memory's maximum set to at most `limitBytes`
 * (rounded down to whole pages), and what it changed. Other sections are copied as is.
 * Refuses a memory whose initial size is already past the limit.
 */
export function limitMemory(module: Uint8Array, limitBytes: number): { bytes: Uint8Array; memories: MemoryCap[] } {
  const limitPages = Math.floor(limitBytes / WASM_PAGE);
  if (!(limitPages >= 1)) throw new WasmhostError('bad-input', `memory limit ${limitBytes} bytes is less than one 64 KiB page`);
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d || module[4] !== 1) {
    throw new WasmhostError('not-a-component', 'limitMemory expects a core WebAssembly module (version 1)');
  }
  const pieces: Uint8Array[] = [];
  const memories: MemoryCap[] = [];
  let pos = 8;
  let lastCopied = 0;
  while (pos < module.length) {
    const start = pos;
    const id = module[pos++];
    const size = readLeb(module, pos);
    pos = size.next;
    const end = pos + size.value;
    if (end > module.length) throw new WasmhostError('not-a-component', `core module section ${id} at byte ${start} runs past the end`);
    if (id === MEMORY_SECTION) {
      const body = capMemories(module.subarray(pos, end), limitPages, memories);
      pieces.push(module.subarray(lastCopied, start), Uint8Array.from([id, ...writeLeb(body.length), ...body]));
      lastCopied = end;
    }
    pos = end;
  }
  if (lastCopied === 0) return { bytes: module, memories };
  pieces.push(module.subarray(lastCopied));
  const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return { bytes, memories };
}

function capMemories(section: Uint8Array, limitPages: number, memories: MemoryCap[]): number[] {
  const count = readLeb(section, 0);
  const body = [...writeLeb(count.value)];
  let pos = count.next;
  for (let index = 0; index < count.value; index++) {
    const flags = section[pos++];
    if (flags & CUSTOM_PAGE_SIZE || flags > 0x0f) throw new WasmhostError('unsupported', `memory ${index} uses limits flags 0x${flags.toString(16)} (custom page sizes), which the memory cap does not handle`);
    const initial = readLeb(section, pos);
    pos = initial.next;
    let max: number | undefined;
    if (flags & HAS_MAX) {
      const m = readLeb(section, pos);
      pos = m.next;
      max = m.value;
    }
    if (initial.value > limitPages) {
      throw new WasmhostError('unsupported', `memory ${index} starts at ${mib(initial.value)}, more than the workload's memory limit of ${mib(limitPages)}; raise limits.memoryBytes`, {
        data: { initialPages: initial.value, limitPages },
      });
    }
    const capped = max === undefined ? limitPages : Math.min(max, limitPages);
    memories.push({ index, initialPages: initial.value, maxPages: max, cappedPages: capped });
    body.push(flags | HAS_MAX, ...writeLeb(initial.value), ...writeLeb(capped));
  }
  if (pos !== section.length) throw new WasmhostError('not-a-component', `memory section has ${section.length - pos} trailing bytes`);
  return body;
}

function mib(pages: number): string {
  return `${(pages * WASM_PAGE) / 1048576} MiB`;
}

/** Unsigned LEB128 up to 2^53 (memory64 sizes fit; larger values cannot be page counts V8 accepts). */
function readLeb(bytes: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new WasmhostError('not-a-component', 'core module ends inside a LEB128 number');
    const byte = bytes[pos++];
    value += (byte & 0x7f) * scale;
    if (!(byte & 0x80)) return { value, next: pos };
    scale *= 128;
  }
  throw new WasmhostError('not-a-component', 'LEB128 number longer than 10 bytes');
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}
