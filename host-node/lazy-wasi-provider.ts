import type { CapabilityProvider, InterfaceOffer } from '../src/capabilities/provider.js';
import { SHIM_WASI_VERSION } from '../src/capabilities/wasi-shim.js';
import { WasmhostError } from '../src/errors.js';
import type { WasiOptions } from './wasi-provider.js';

/**
 * The interfaces preview2-shim 0.26's import object holds, in its order (a test keeps this
 * list equal to the shim's): known without loading the shim, about 13 MB of a process's RSS.
 */
export const SHIM_INTERFACES = [
  'wasi:cli/environment', 'wasi:cli/exit', 'wasi:cli/stderr', 'wasi:cli/stdin', 'wasi:cli/stdout',
  'wasi:cli/terminal-input', 'wasi:cli/terminal-output', 'wasi:cli/terminal-stderr', 'wasi:cli/terminal-stdin', 'wasi:cli/terminal-stdout',
  'wasi:sockets/instance-network', 'wasi:sockets/ip-name-lookup', 'wasi:sockets/network', 'wasi:sockets/tcp', 'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp', 'wasi:sockets/udp-create-socket', 'wasi:filesystem/preopens', 'wasi:filesystem/types',
  'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams', 'wasi:random/random', 'wasi:random/insecure', 'wasi:random/insecure-seed',
  'wasi:clocks/monotonic-clock', 'wasi:clocks/wall-clock', 'wasi:http/types',
] as const;

/**
 * The WASI provider of wasi-provider.ts, loaded on first use: its offers are known up front (a
 * device profile, `check`), the shim is imported by `prepare`, which the host runs before it
 * builds a workload's imports. An agent with no workload, or whose workloads all run in
 * workers (WASI runs inside them), keeps preview2-shim out of its own thread until then.
 */
export function createLazyWasiProvider(options: WasiOptions = {}): CapabilityProvider {
  let real: CapabilityProvider | undefined;
  let loading: Promise<void> | undefined;
  const offers: InterfaceOffer[] = SHIM_INTERFACES.map((name) =>
    name.startsWith('wasi:sockets/') ? { name, version: SHIM_WASI_VERSION, grant: 'network' } : { name, version: SHIM_WASI_VERSION });
  return {
    name: 'wasi',
    offers,
    prepare: () => (loading ??= import('./wasi-provider.js').then((m) => void (real = m.createWasiProvider(options)))),
    create(context) {
      if (!real) throw new WasmhostError('unsupported', 'the lazy WASI provider was used before prepare() loaded preview2-shim; await provider.prepare() first (createHost does)');
      return real.create(context);
    },
  };
}
