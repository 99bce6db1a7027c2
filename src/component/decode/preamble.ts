// Checks the first 8 bytes: is this WebAssembly at all, a core module, or a component
// in the binary version this decoder reads? Each answer says what to do next. Messages never
// quote the bytes: they may come from any file, and an error can travel to a fleet manager.

import { WasmhostError } from '../../errors.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

function fail(message: string): WasmhostError {
  return new WasmhostError('not-a-component', message);
}

/** Throws a `not-a-component` (or `unsupported`) error unless `bytes` starts like a component. */
export function checkPreamble(bytes: Uint8Array): void {
  if (bytes.length === 0) throw fail('empty file: 0 bytes; expected a WebAssembly component');
  const head = bytes.subarray(0, Math.min(8, bytes.length));
  const magicLen = Math.min(4, bytes.length);
  const magicOk = MAGIC.slice(0, magicLen).every((m, i) => bytes[i] === m);
  if (!magicOk) {
    throw fail('not WebAssembly: the bytes do not start with the magic number \\0asm (00 61 73 6d); if this is WAT text, convert it with `jco parse`');
  }
  if (bytes.length < 8) {
    throw fail(`truncated component: only ${bytes.length} bytes, shorter than the 8-byte header; the file was probably cut short`);
  }
  const [v0, v1, l0, l1] = [head[4], head[5], head[6], head[7]];
  if (v0 === 0x01 && v1 === 0x00 && l0 === 0x00 && l1 === 0x00) {
    throw fail('this is a core WebAssembly module, not a component; wrap it with `jco new`');
  }
  if (l0 !== 0x01 || l1 !== 0x00) {
    throw fail('not a component: the WebAssembly version/layer bytes are neither a core module\'s nor a component\'s');
  }
  if (v0 !== 0x0d || v1 !== 0x00) {
    throw new WasmhostError(
      'unsupported',
      `unsupported component binary version 0x${v0.toString(16)} (this reader handles version 0x0d, written by current wasm-tools and jco); rebuild the component with a current toolchain`,
    );
  }
}
