// What a device console shows, as plain data: the page builds it from its own agent, the Node
// agent serves it as JSON to its console page, and both render it with the same view code.
import type { LogEntry } from '../capabilities/provider.js';
import type { WorkloadInfo } from '../deploy/agent.js';
import type { DeploymentStatus } from '../deploy/types.js';
import type { DisplayPanel } from '../runtime/display-board.js';

/** Something the device saw: a log line, a published output, an actuator set. `seq` grows by one per entry. */
export interface DeviceEvent { seq: number; at: number; kind: 'log' | 'output' | 'actuator' | 'peer' | 'agent'; level: LogEntry['level']; who: string; text: string }

/** Everything the console shows. */
export interface ConsoleSnapshot {
  deviceId: string;
  deviceClass: string;
  broker: { state: 'none' | 'connected' | 'disconnected'; problem?: string };
  source?: { kind: 'manifest' | 'wfm'; url: string };
  /** Deployments not removed. */
  deployments: DeploymentStatus[];
  workloads: WorkloadInfo[];
  /** Component digests by `<deployment>/<component>`. */
  digests: Record<string, string>;
  peers: { id: string; online: boolean; since: number; offers: string }[];
  /** Oldest first. */
  events: readonly DeviceEvent[];
  offers: { summary: string; interfaces: { name: string; grant?: string }[] };
  /** What workloads show through `wasmhost:display`. */
  panels: DisplayPanel[];
}
