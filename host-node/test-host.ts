import { createTestHost as createMemoryTestHost, type TestHost, type TestHostOptions } from '../src/testing/test-host.js';
import { nodePorts } from './node-host.js';
import { createWasiProvider } from './wasi-provider.js';
import { createNodeHttpOutgoingProvider } from './http-send.js';

/** Options of a Node test host: a test host's, plus where transpiled components are cached. */
export interface NodeTestHostOptions extends TestHostOptions {
  cacheDir?: string;
}

/**
 * A test host for Wasm authors in vitest or node:test: mocked sensors, actuators and config,
 * deny-by-default WASI, the file artifact cache (a component is transpiled once across runs),
 * a record of every capability call, and `request` for wasi:http handlers (served in-process;
 * their outgoing requests are refused there, as outgoing HTTP blocks and needs worker isolation).
 */
export function createTestHost(options: NodeTestHostOptions = {}): TestHost {
  return createMemoryTestHost({ ...options, ...nodePorts(options), providers: [createWasiProvider(), createNodeHttpOutgoingProvider(), ...(options.providers ?? [])] });
}
