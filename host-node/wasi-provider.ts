import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { CapabilityProvider, InterfaceOffer } from '../src/capabilities/provider.js';
import type { Grants } from '../src/capabilities/grants.js';
import { wasiExitImport } from '../src/capabilities/wasi-exit.js';

export { WasiExit } from '../src/capabilities/wasi-exit.js';

/** WASI version preview2-shim 0.26 implements. */
const WASI_VERSION = '0.2.3';

/** Options of the WASI provider. */
export interface WasiOptions {
  /** `argv` a command component sees; the first is the program name. */
  args?: string[];
}

function shimImports(grants: Readonly<Grants>, args: string[]): Record<string, unknown> {
  return new WASIShim({
    sandbox: { preopens: grants.filesystem ?? {}, env: grants.env ?? {}, args, enableNetwork: grants.network === true },
  }).getImportObject() as Record<string, unknown>;
}

/**
 * WASI 0.2 from preview2-shim, deny by default: a workload sees only the directories,
 * environment and network its grants give. Outgoing HTTP needs the `network` grant to
 * be imported at all. `exit` ends the call, never the host process.
 */
export function createWasiProvider(options: WasiOptions = {}): CapabilityProvider {
  const args = options.args ?? ['component'];
  const offers: InterfaceOffer[] = Object.keys(shimImports({}, args)).map((name) =>
    name.startsWith('wasi:http/') ? { name, version: WASI_VERSION, grant: 'network' } : { name, version: WASI_VERSION },
  );
  return {
    name: 'wasi',
    offers,
    create({ grants }) {
      const imports = shimImports(grants, args);
      imports['wasi:cli/exit'] = wasiExitImport();
      return imports;
    },
  };
}
