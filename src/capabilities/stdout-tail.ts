// Whether the guest's own stdout ended mid-line, so `run --invoke` can print its result on a
// line of its own (`env: []` then `814903018`, not `env: []814903018`).
import type { CapabilityProvider } from './provider.js';

type Write = (contents: Uint8Array) => unknown;

/** A WASI provider whose stdout stream remembers its last byte, and the question to ask it. */
export interface StdoutTail { provider: CapabilityProvider; endsMidLine(): boolean }

/**
 * Wraps a WASI provider: the `output-stream` that `wasi:cli/stdout#get-stdout` returns gets
 * own-property `write`/`blocking-write-and-flush` that note the last byte, then write as before
 * (the object stays the shim's, so jco's resource checks still hold).
 */
export function trackStdoutTail(inner: CapabilityProvider): StdoutTail {
  let last: number | undefined;
  const note = (contents: Uint8Array) => { if (contents.length) last = contents[contents.length - 1]; };
  const provider: CapabilityProvider = {
    ...inner,
    create(context) {
      const imports = inner.create(context);
      const stdout = imports['wasi:cli/stdout'] as { getStdout(): Record<string, Write> } | undefined;
      if (!stdout) return imports;
      const patched = new WeakSet<object>();
      const getStdout = stdout.getStdout.bind(stdout);
      imports['wasi:cli/stdout'] = {
        ...stdout,
        getStdout() {
          const stream = getStdout();
          if (!patched.has(stream)) {
            patched.add(stream);
            for (const method of ['write', 'blockingWriteAndFlush']) {
              const original = stream[method];
              if (typeof original !== 'function') continue;
              stream[method] = (contents: Uint8Array) => { note(contents); return original.call(stream, contents); };
            }
          }
          return stream;
        },
      };
      return imports;
    },
  };
  return { provider, endsMidLine: () => last !== undefined && last !== 0x0a };
}
