import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { CapabilityProvider, InterfaceOffer } from '../src/capabilities/provider.js';
import { WasmhostError } from '../src/errors.js';

/** WASI version preview2-shim 0.26 implements. */
const WASI_VERSION = '0.2.3';

/** What a workload may see of the device through WASI. Everything is denied unless listed. */
export interface WasiGrant {
  /** Guest path → host directory, e.g. `{ '/data': '/var/lib/app' }`. */
  dirs?: Record<string, string>;
  env?: Record<string, string>;
  /** `argv` the component sees (command components); the first is the program name. */
  args?: string[];
  /** Allow sockets and outgoing HTTP (default false). */
  network?: boolean;
}

/** Thrown from inside `wasi:cli/exit`: the component asked to end with this exit code. */
export class WasiExit extends WasmhostError {
  constructor(readonly exitCode: number) {
    super('exit', `the component exited with code ${exitCode}`, { data: { exitCode } });
  }
}

/**
 * WASI 0.2 from preview2-shim, configured deny by default: no preopened directory, no
 * environment, no network, unless granted. `exit` ends the call, never the host process.
 */
export function createWasiProvider(grant: WasiGrant = {}): CapabilityProvider {
  const network = grant.network === true;
  const make = () =>
    new WASIShim({
      sandbox: { preopens: grant.dirs ?? {}, env: grant.env ?? {}, args: grant.args ?? ['component'], enableNetwork: network },
    }).getImportObject() as Record<string, unknown>;
  const names = Object.keys(make()).filter((name) => network || !name.startsWith('wasi:http/'));
  const offers: InterfaceOffer[] = names.map((name) => ({ name, version: WASI_VERSION }));
  return {
    name: 'wasi',
    offers,
    create() {
      const imports = make();
      imports['wasi:cli/exit'] = {
        exit(status: { tag: 'ok' | 'err' }) { throw new WasiExit(status.tag === 'err' ? 1 : 0); },
        exitWithCode(code: number) { throw new WasiExit(code); },
      };
      return imports;
    },
  };
}
