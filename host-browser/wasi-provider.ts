// WASI 0.2 in a browser, from preview2-shim's browser build (esbuild picks it by the
// package's `exports` conditions; `instantiation` imports the package root).
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { CapabilityProvider } from '../src/capabilities/provider.js';
import type { Grants } from '../src/capabilities/grants.js';
import { shimWasiProvider } from '../src/capabilities/wasi-shim.js';
import { NOT_IN_BROWSERS } from '../src/device/class-profile.js';

// Interfaces never offered in a browser (sockets, http: see NOT_IN_BROWSERS), so a component
// importing them is refused before it runs instead of failing on first use.

/** Options of the browser WASI provider. */
export interface BrowserWasiOptions {
  /** `argv` a command component sees; the first is the program name. */
  args?: string[];
}

function shimImports(grants: Readonly<Grants>, args: string[]): Record<string, unknown> {
  // `preopens: {}` gives each instance its own empty filesystem namespace: preview2-shim's
  // browser filesystem then lists no directories (its module-level default would share
  // one in-memory tree between workloads). The browser has no directories to grant, so
  // `grants.filesystem` is never used. `enableNetwork` has no effect on the browser build.
  const sandbox = { preopens: {}, env: grants.env ?? {}, args, enableNetwork: false };
  const all = new WASIShim({ sandbox }).getImportObject() as Record<string, unknown>;
  return Object.fromEntries(Object.entries(all).filter(([name]) => !NOT_IN_BROWSERS.test(name)));
}

/**
 * WASI 0.2 for browser workloads, deny by default: no filesystem directories ever
 * (`wasi:filesystem/preopens` lists none), environment only from the grants, no
 * sockets or HTTP (see NOT_IN_BROWSERS). stdout and stderr go to the console of the
 * thread running the component. `exit` ends the call, never the page.
 */
export function createBrowserWasiProvider(options: BrowserWasiOptions = {}): CapabilityProvider {
  const args = options.args ?? ['component'];
  return shimWasiProvider((grants) => shimImports(grants, args));
}
