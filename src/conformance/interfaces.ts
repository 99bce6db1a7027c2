// The WIT interfaces each class must offer to workloads (docs/device-classes.md BRW-1, LNX-1),
// at the versions vendored in wit/deps/, and the grant a probe gives to instantiate each.
import type { GrantKey } from '../capabilities/grants.js';

/** A WIT interface a device must offer to workloads, at this version. */
export interface RequiredInterface {
  name: string;
  version: string;
  /** The grant a component importing it needs. */
  grant?: GrantKey;
}

/** What every browser and Linux device serves: the standards, the device interfaces, WASI 0.2. */
export const BROWSER_INTERFACES: readonly RequiredInterface[] = [
  { name: 'wasi:logging/logging', version: '0.1.0-draft' },
  { name: 'wasi:config/store', version: '0.2.0-draft' },
  { name: 'wasi:keyvalue/store', version: '0.2.0-draft2', grant: 'keyvalue' },
  { name: 'wasi:keyvalue/atomics', version: '0.2.0-draft2', grant: 'keyvalue' },
  { name: 'wasi:keyvalue/batch', version: '0.2.0-draft2', grant: 'keyvalue' },
  { name: 'wasi:messaging/types', version: '0.2.0-draft' },
  { name: 'wasi:messaging/producer', version: '0.2.0-draft', grant: 'messaging' },
  { name: 'wasi:messaging/request-reply', version: '0.2.0-draft', grant: 'messaging' },
  { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' },
  { name: 'wasmhost:device/actuators', version: '0.1.0', grant: 'actuators' },
  { name: 'wasi:cli/environment', version: '0.2.12' },
  { name: 'wasi:cli/exit', version: '0.2.12' },
  { name: 'wasi:cli/stdout', version: '0.2.12' },
  { name: 'wasi:cli/stderr', version: '0.2.12' },
  { name: 'wasi:clocks/monotonic-clock', version: '0.2.12' },
  { name: 'wasi:clocks/wall-clock', version: '0.2.12' },
  { name: 'wasi:random/random', version: '0.2.12' },
  { name: 'wasi:io/streams', version: '0.2.12' },
  { name: 'wasi:filesystem/types', version: '0.2.12' },
  { name: 'wasi:filesystem/preopens', version: '0.2.12' },
];

/** A Linux device serves all a browser does, plus raw sockets behind the `network` grant (LNX-1). */
export const LINUX_INTERFACES: readonly RequiredInterface[] = [
  ...BROWSER_INTERFACES,
  { name: 'wasi:sockets/network', version: '0.2.12', grant: 'network' },
  { name: 'wasi:sockets/tcp', version: '0.2.12', grant: 'network' },
  { name: 'wasi:sockets/udp', version: '0.2.12', grant: 'network' },
];

/** Interfaces a browser must not offer (BRW-2): a component importing one is refused before it runs. */
export const NOT_IN_BROWSER_INTERFACES: readonly RequiredInterface[] = [
  { name: 'wasi:sockets/tcp', version: '0.2.12' },
  { name: 'wasi:http/outgoing-handler', version: '0.2.12' },
];

/** The id of the requirement that a class offers an interface: `LNX-iface-wasi-keyvalue-store`. */
export function interfaceRequirementId(prefix: 'LNX' | 'BRW', name: string): string {
  return `${prefix}-iface-${name.replace(/[:/]/g, '-')}`;
}
