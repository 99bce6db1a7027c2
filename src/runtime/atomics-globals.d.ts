// Atomics.waitAsync (ES2024) exists in Node ≥ 16 and in Chromium and Safari; the core is
// compiled against ES2022, so it is declared here. Code checks for it before use.

interface Atomics {
  waitAsync(typedArray: Int32Array, index: number, value: number, timeout?: number):
    | { async: false; value: 'not-equal' | 'timed-out' }
    | { async: true; value: Promise<'ok' | 'timed-out'> };
}
