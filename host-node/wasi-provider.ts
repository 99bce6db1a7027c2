import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { CapabilityProvider } from '../src/capabilities/provider.js';
import type { Grants } from '../src/capabilities/grants.js';
import { shimWasiProvider } from '../src/capabilities/wasi-shim.js';
import { createHttpTypes, httpTypesImport, type StreamClasses } from '../src/runtime/http-types.js';

export { WasiExit } from '../src/capabilities/wasi-shim.js';

/** Options of the WASI provider. */
export interface WasiOptions {
  /** `argv` a command component sees; the first is the program name. */
  args?: string[];
}

function shimImports(grants: Readonly<Grants>, args: string[]): Record<string, unknown> {
  const imports = new WASIShim({
    sandbox: { preopens: grants.filesystem ?? {}, env: grants.env ?? {}, args, enableNetwork: grants.network === true },
  }).getImportObject() as Record<string, unknown>;
  // HTTP is wasmhost's own: wasi:http/types around served requests (src/runtime/http-types.ts),
  // outgoing requests through the `http` grant's allow list (http-send.ts); never the shim's.
  delete imports['wasi:http/outgoing-handler'];
  delete imports['wasi:http/incoming-handler'];
  // In-process, requests are served through these types (a worker replaces them with its own).
  const clock = imports['wasi:clocks/monotonic-clock'] as { subscribeDuration(ns: bigint): object };
  imports['wasi:http/types'] = httpTypesImport(createHttpTypes({
    streams: imports['wasi:io/streams'] as StreamClasses,
    readyPollable: () => clock.subscribeDuration(0n),
  }));
  return imports;
}

/**
 * WASI 0.2 from preview2-shim, deny by default: a workload sees only the directories,
 * environment and network its grants give. `wasi:http/types` needs no grant (an HTTP
 * handler's request and response are built from it); outgoing HTTP is not here but in
 * http-send.ts, behind the `http` grant. `exit` ends the call, never the host process.
 */
export function createWasiProvider(options: WasiOptions = {}): CapabilityProvider {
  const args = options.args ?? ['component'];
  return shimWasiProvider((grants) => shimImports(grants, args));
}
