// The host the `device`, `check` and `run` commands use: the Node host with WASI and a
// simulated device, or with --mock, the test host with mocked sensors and actuators.
import { createNodeHost } from '../node-host.js';
import { createThreadIsolate } from '../thread-isolate.js';
import { workloadWorkerUrl } from '../workload-worker-url.js';
import { createLazyWasiProvider } from '../lazy-wasi-provider.js';
import { createNodeHttpOutgoingProvider } from '../http-send.js';
import { createDeviceProvider, createSimulatedDrivers } from '../../src/capabilities/device-provider.js';
import type { Host } from '../../src/create-host.js';
import { readMockFile } from './mock-file.js';

/** Where the CLI host keeps things, and the mock file if any. */
export interface CliHostOptions {
  cacheDir?: string;
  dataDir?: string;
  mockFile?: string;
  /** PEM trust bundle added to the system CAs for workloads' outgoing HTTPS (`--http-ca`). */
  httpCa?: Buffer;
}

/** The host, and with --mock, the test host's record of calls and the mocks read. */
export async function createCliHost(options: CliHostOptions) {
  const mocks = options.mockFile === undefined ? undefined : await readMockFile(options.mockFile);
  const mock = mocks && (await import('../test-host.js')).createTestHost({ ...mocks, cacheDir: options.cacheDir });
  // Outside tests, the CLI's device is simulated: a drifting `temperature` and a `fan` relay that reports changes.
  const simulated = createDeviceProvider(createSimulatedDrivers(1, (name, value) => process.stderr.write(`[simulated] ${name} set to ${value}\n`)));
  // One command, at most one workload: no idle worker to start beside it.
  const host: Host = mock?.host ?? createNodeHost({
    cacheDir: options.cacheDir, dataDir: options.dataDir, providers: [createLazyWasiProvider(), createNodeHttpOutgoingProvider({ ca: options.httpCa }), simulated], isolate: createThreadIsolate({ pool: 0, workerUrl: workloadWorkerUrl }),
  });
  return { host, mock, mocks };
}
