// WAVE, the WebAssembly Value Encoding (`wasm-wave`, used by `wasmtime run --invoke` and
// wasm-tools): component values as text, read and written against their WIT types.

export { parseWave } from './wave-parse.js';
export { printWave } from './wave-print.js';
