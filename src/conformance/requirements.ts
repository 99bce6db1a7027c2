// The probes `wasmhost conformance` runs, one stable id each (`LNX-…` for a Linux device's
// Node host, `PEER-…` for an embedded peer), and the numbered requirements of
// docs/device-classes.md each one checks, which the report names.

/** One probe: a stable id, what a device must do to pass it, and the requirements it checks. */
export interface Requirement {
  id: string;
  description: string;
  /** Requirement numbers in docs/device-classes.md (`WL-6`, `PEER-5`). */
  checks: readonly string[];
}

/** A WIT interface a Linux device must offer to workloads, at this version. */
export interface RequiredInterface {
  name: string;
  version: string;
}

/** What a Linux device's host must serve, at the versions vendored in wit/deps/: the standards, the device interfaces, WASI 0.2. */
export const LINUX_INTERFACES: readonly RequiredInterface[] = [
  { name: 'wasi:logging/logging', version: '0.1.0-draft' },
  { name: 'wasi:config/store', version: '0.2.0-draft' },
  { name: 'wasi:keyvalue/store', version: '0.2.0-draft2' },
  { name: 'wasi:keyvalue/atomics', version: '0.2.0-draft2' },
  { name: 'wasi:keyvalue/batch', version: '0.2.0-draft2' },
  { name: 'wasi:messaging/types', version: '0.2.0-draft' },
  { name: 'wasi:messaging/producer', version: '0.2.0-draft' },
  { name: 'wasi:messaging/request-reply', version: '0.2.0-draft' },
  { name: 'wasmhost:device/sensors', version: '0.1.0' },
  { name: 'wasmhost:device/actuators', version: '0.1.0' },
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

/** The id of the requirement that a Linux host offers an interface: `LNX-iface-wasi-keyvalue-store`. */
export function interfaceRequirementId(name: string): string {
  return `LNX-iface-${name.replace(/[:/]/g, '-')}`;
}

/** Every requirement of the `node` target, in report order. */
export const LINUX_REQUIREMENTS: readonly Requirement[] = [
  ...LINUX_INTERFACES.map((i) => ({ id: interfaceRequirementId(i.name), description: `serves imports of ${i.name}@${i.version}`, checks: ['WL-2', 'LNX-1'] })),
  { id: 'LNX-grant-refused', description: 'a workload importing a gated interface without its grant is refused before it runs', checks: ['WL-3'] },
  { id: 'LNX-grant-scoped', description: 'an actuator outside the granted names answers the interface error `denied`', checks: ['WL-4'] },
  { id: 'LNX-limit-time', description: 'a call past callTimeoutMs is stopped (worker isolation)', checks: ['WL-6', 'LNX-3'] },
  { id: 'LNX-limit-memory', description: 'a memory past the memory limit fails with out-of-memory', checks: ['WL-7'] },
  { id: 'LNX-limit-restart', description: 'a trapped workload restarts with backoff and answers again', checks: ['WL-8'] },
  { id: 'LNX-persist-keyvalue', description: 'a keyvalue value survives a new host on the same data directory', checks: ['WL-13', 'LNX-5'] },
];

/** Every requirement of the `peer` target, in report order. */
export const PEER_REQUIREMENTS: readonly Requirement[] = [
  { id: 'PEER-birth', description: 'a retained birth is present and decodes, with a sequence number', checks: ['PEER-3', 'PEER-7'] },
  { id: 'PEER-rpc-read', description: 'rpc read of an offered sensor answers a reading in time', checks: ['PEER-5'] },
  { id: 'PEER-rpc-unknown', description: 'rpc read of an unknown sensor answers the not-found error', checks: ['PEER-6'] },
  { id: 'PEER-rpc-malformed', description: 'a malformed rpc frame is answered with an error or ignored, and the peer stays alive', checks: ['PEER-6'] },
  { id: 'PEER-data-rate', description: 'data messages stay within the allowed rate', checks: ['PEER-8'] },
  { id: 'PEER-will', description: 'when the peer connection drops, its death (Last Will) arrives with the birth sequence', checks: ['PEER-2'] },
];
