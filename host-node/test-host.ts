import { createTestHost as createMemoryTestHost, type TestHost, type TestHostOptions } from '../src/testing/test-host.js';
import { nodePorts } from './node-host.js';
import { createWasiProvider } from './wasi-provider.js';

/** Options of a Node test host: a test host's, plus where transpiled components are cached. */
export interface NodeTestHostOptions extends TestHostOptions {
  cacheDir?: string;
}

/**
 * A test host for Wasm authors in vitest or node:test: mocked sensors, actuators and config,
 * deny-by-default WASI, the file artifact cache (a component is transpiled once across runs),
 * and a record of every capability call.
 */
export function createTestHost(options: NodeTestHostOptions = {}): TestHost {
  return createMemoryTestHost({ ...options, ...nodePorts(options), providers: [createWasiProvider(), ...(options.providers ?? [])] });
}
