// Builds the `node` target from `--node builtin` or a vendor's module. The module's default
// export (or `conformanceHost`) is a function given `{ dataDir }` that returns, possibly as a
// promise, either createNodeHost options or a ready Host.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Host } from '../../src/create-host.js';
import { WasmhostError } from '../../src/errors.js';
import { createDeviceProvider, createSimulatedDrivers } from '../../src/capabilities/device-provider.js';
import { createNodeHost, type NodeHostOptions } from '../node-host.js';
import { createWasiProvider } from '../wasi-provider.js';
import type { NodeTarget } from './node-probes.js';

/** What a vendor's module exports: given the probe's data directory, the host or its options. */
export type HostFactory = (context: { dataDir: string }) => Host | NodeHostOptions | Promise<Host | NodeHostOptions>;

function isHost(value: Host | NodeHostOptions): value is Host {
  return typeof (value as Host).startIsolated === 'function' && typeof (value as Host).load === 'function';
}

/** The Node host of `wasmhost agent`: WASI, the simulated device (a `fan` actuator), SQLite keyvalue in dataDir. */
export const builtinFactory: HostFactory = ({ dataDir }) => ({
  dataDir,
  providers: [createWasiProvider(), createDeviceProvider(createSimulatedDrivers(1, () => undefined))],
});

/** A target from a factory; options are completed with the data directory and turned into a Node host. */
export function targetFromFactory(factory: HostFactory, actuator = 'fan'): NodeTarget {
  return {
    actuator,
    async makeHost(dataDir) {
      const made = await factory({ dataDir });
      return isHost(made) ? made : createNodeHost({ dataDir, ...made });
    },
  };
}

/** Loads `builtin` or a module path into a factory. */
export async function loadHostFactory(spec: string): Promise<HostFactory> {
  if (spec === 'builtin') return builtinFactory;
  const mod = (await import(pathToFileURL(resolve(spec)).href)) as { default?: unknown; conformanceHost?: unknown };
  const factory = mod.default ?? mod.conformanceHost;
  if (typeof factory !== 'function') {
    throw new WasmhostError('bad-input', `${spec} exports no function: export default (or conformanceHost) a function ({ dataDir }) returning createNodeHost options or a Host`);
  }
  return factory as HostFactory;
}
