// The probes `wasmhost conformance` runs, one stable id each (`LNX-…` for a Linux device's
// Node host, `BRW-…` for a page, `PEER-…` for an embedded peer), and the numbered
// requirements of docs/device-classes.md each one checks, which the report names.
import { BROWSER_INTERFACES, interfaceRequirementId, LINUX_INTERFACES } from './interfaces.js';

export { BROWSER_INTERFACES, interfaceRequirementId, LINUX_INTERFACES, type RequiredInterface } from './interfaces.js';

/** One probe: a stable id, what a device must do to pass it, and the requirements it checks. */
export interface Requirement {
  id: string;
  description: string;
  /** Requirement numbers in docs/device-classes.md (`WL-6`, `PEER-5`). */
  checks: readonly string[];
}

/** The probes both workload classes run, with the class's prefix and its own requirement numbers added. */
function workloadProbes(p: 'LNX' | 'BRW', own: { worker: string; persist: string; grants: string }): Requirement[] {
  return [
    { id: `${p}-grant-refused`, description: 'a workload importing a gated interface without its grant is refused before it runs', checks: ['WL-1', 'WL-3'] },
    { id: `${p}-grant-scoped`, description: 'an actuator outside the granted names answers the interface error `denied`', checks: ['WL-4'] },
    { id: `${p}-limit-time`, description: `a call past callTimeoutMs is stopped (${p === 'LNX' ? 'worker_threads' : 'Web Worker'} isolation)`, checks: ['WL-6', own.worker, ...(p === 'LNX' ? ['OCI-3'] : [])] },
    { id: `${p}-limit-memory`, description: 'a memory past the memory limit fails with out-of-memory', checks: ['WL-7', ...(p === 'LNX' ? ['OCI-3'] : [])] },
    { id: `${p}-limit-restart`, description: 'a trapped workload restarts with backoff and answers again', checks: ['WL-8'] },
    { id: `${p}-isolation`, description: 'a workload stuck in a loop does not stop another workload from answering', checks: ['WL-9', own.worker] },
    { id: `${p}-exit`, description: 'wasi:cli/exit ends the call only; the workload answers again', checks: ['WL-10'] },
    { id: `${p}-import-timeout`, description: 'a blocking import whose provider never answers fails at the import timeout; the workload answers again', checks: ['WL-11'] },
    { id: `${p}-preopens`, description: p === 'LNX' ? 'no preopened directory without a filesystem grant, the granted one with it' : 'wasi:filesystem/preopens lists no directory', checks: [own.grants] },
    { id: `${p}-manifest`, description: 'the DeviceCapabilitiesManifest names the class, engine, interfaces, grants and Margo fields', checks: ['WL-15', 'MGO-1', 'MGO-2', 'MGO-3', 'MGO-4', ...(p === 'LNX' ? ['OCI-1', 'OCI-5', 'LNX-2'] : ['BRW-4'])] },
    { id: `${p}-persist-keyvalue`, description: p === 'LNX' ? 'a keyvalue value survives a new host on the same data directory' : 'a keyvalue value survives a reload of the page', checks: ['WL-13', own.persist] },
  ];
}

/** Every requirement of the `node` target, in report order. */
export const LINUX_REQUIREMENTS: readonly Requirement[] = [
  ...LINUX_INTERFACES.map((i) => ({ id: interfaceRequirementId('LNX', i.name), description: `serves imports of ${i.name}@${i.version}`, checks: ['WL-1', 'WL-2', 'LNX-1'] })),
  { id: 'LNX-grant-network', description: 'a workload importing wasi:sockets without the network grant is refused before it runs', checks: ['WL-3', 'LNX-2'] },
  ...workloadProbes('LNX', { worker: 'LNX-3', persist: 'LNX-5', grants: 'LNX-2' }),
];

/** Every requirement of the `page` target, in report order. */
export const BROWSER_REQUIREMENTS: readonly Requirement[] = [
  { id: 'BRW-isolated', description: 'the page is cross-origin isolated (SharedArrayBuffer, Atomics.wait)', checks: ['BRW-5'] },
  ...BROWSER_INTERFACES.map((i) => ({ id: interfaceRequirementId('BRW', i.name), description: `serves imports of ${i.name}@${i.version}`, checks: ['WL-1', 'WL-2', 'BRW-1'] })),
  { id: 'BRW-no-sockets-http', description: 'a workload importing wasi:sockets or wasi:http is refused before it runs (not provided)', checks: ['WL-3', 'BRW-2'] },
  { id: 'BRW-grant-kinds', description: 'a deployment asking for a filesystem or network grant is refused by the page\'s profile, naming the grant', checks: ['WL-5', 'BRW-4'] },
  ...workloadProbes('BRW', { worker: 'BRW-5', persist: 'BRW-6', grants: 'BRW-3' }),
  { id: 'BRW-device-id', description: 'the device id is browser-<10 hex> (or given) and the same after a reload', checks: ['BRW-7'] },
  { id: 'BRW-broker', description: 'peers are reached over MQTT/WebSocket on the page\'s own origin with a page credential of its own', checks: ['BRW-8'] },
];

/** Every requirement of the `peer` target, in report order. */
export const PEER_REQUIREMENTS: readonly Requirement[] = [
  { id: 'PEER-birth', description: 'a retained birth is present and decodes, with a sequence number', checks: ['PEER-3', 'PEER-7'] },
  { id: 'PEER-rpc-read', description: 'rpc read of an offered sensor answers a reading in time', checks: ['PEER-5'] },
  { id: 'PEER-rpc-unknown', description: 'rpc read of an unknown sensor answers the not-found error', checks: ['PEER-6'] },
  { id: 'PEER-rpc-malformed', description: 'a malformed rpc frame is answered with an error or ignored, and the peer stays alive', checks: ['PEER-6'] },
  { id: 'PEER-rpc-duplicate', description: 'a request delivered twice (QoS 1 duplicate) is answered for each copy with its id', checks: ['PEER-11'] },
  { id: 'PEER-data-rate', description: 'data messages stay within the allowed rate', checks: ['PEER-8'] },
  { id: 'PEER-broker-access', description: 'the broker refuses an unknown peer id and a client id that is not its username', checks: ['LNX-7'] },
  { id: 'PEER-will', description: 'when the peer connection drops, its death (Last Will) arrives with the birth sequence', checks: ['PEER-2'] },
  { id: 'PEER-reconnect', description: 'after the drop the peer comes back with a higher seq and answers rpc again', checks: ['PEER-4', 'PEER-10'] },
];

/** Every probe of every target. */
export const ALL_REQUIREMENTS: readonly Requirement[] = [...LINUX_REQUIREMENTS, ...BROWSER_REQUIREMENTS, ...PEER_REQUIREMENTS];
