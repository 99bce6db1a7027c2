// WASI from preview2-shim, the parts both hosts share: the provider shape and `exit`.
import { WasmhostError } from '../errors.js';
import type { GrantKey, Grants } from './grants.js';
import type { CapabilityProvider, InterfaceOffer } from './provider.js';

/** Thrown from inside `wasi:cli/exit`: the component asked to end with this exit code. */
export class WasiExit extends WasmhostError {
  constructor(readonly exitCode: number) {
    super('exit', `the component exited with code ${exitCode}`, { data: { exitCode } });
  }
}

/** `wasi:cli/exit` for every WASI provider: it ends the call with a WasiExit, never the host process or page. */
export function wasiExitImport(): Record<string, unknown> {
  return {
    exit(status: { tag: 'ok' | 'err' }) { throw new WasiExit(status.tag === 'err' ? 1 : 0); },
    exitWithCode(code: number) { throw new WasiExit(code); },
  };
}

/** WASI version preview2-shim 0.26 implements. */
export const SHIM_WASI_VERSION = '0.2.3';

/**
 * A `wasi` provider over preview2-shim's import object, shared by both hosts: `shimImports`
 * builds the (sandboxed) imports for one instance's grants; the offers are the interfaces it
 * returns for no grants, each with the grant `grantOf` names (`wasi:sockets/*` always needs
 * `network`: without it the shim's sockets fail inside the guest, so a component importing them
 * is refused up front); `exit` ends the call, never the host.
 */
export function shimWasiProvider(shimImports: (grants: Readonly<Grants>) => Record<string, unknown>, grantOf: (name: string) => GrantKey | undefined = () => undefined): CapabilityProvider {
  const offers: InterfaceOffer[] = Object.keys(shimImports({})).map((name) => {
    const grant = grantOf(name) ?? (name.startsWith('wasi:sockets/') ? 'network' : undefined);
    return grant ? { name, version: SHIM_WASI_VERSION, grant } : { name, version: SHIM_WASI_VERSION };
  });
  return {
    name: 'wasi',
    offers,
    create({ grants }) {
      const imports = shimImports(grants);
      imports['wasi:cli/exit'] = wasiExitImport();
      return imports;
    },
  };
}
