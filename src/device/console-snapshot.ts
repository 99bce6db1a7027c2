// What a device console shows, as plain data: the page builds it from its own agent, the Node
// agent serves it as JSON to its console page, and both render it with the same view code.
import type { LogEntry } from '../capabilities/provider.js';
import type { WorkloadInfo } from '../deploy/agent.js';
import type { DeploymentStatus } from '../deploy/types.js';
import type { DisplayPanel } from '../runtime/display-board.js';
import type { DeviceProfile } from './profile.js';
import type { LastReading } from '../bridge/last-readings.js';
import type { Bridge } from '../bridge/bridge.js';

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
  /** Peers with each sensor's last reading (bridge/last-readings.ts). */
  peers: { id: string; online: boolean; since: number; offers: string; readings: LastReading[] }[];
  /** Long steps of installs under way (a slow download, a transpile): the deployment's card shows its line. */
  progress: { deploymentId: string; component: string; text: string }[];
  /** Oldest first. */
  events: readonly DeviceEvent[];
  offers: { summary: string; interfaces: { name: string; grant?: string }[] };
  /** What workloads show through `wasmhost:display`. */
  panels: DisplayPanel[];
}

/** The console's line about a peer's offers: its sensors with units, its actuators. */
export function peerOffers(birth: { sensors: readonly { name: string; unit: string }[]; actuators: readonly { name: string }[] }): string {
  return [...birth.sensors.map((s) => `${s.name} (${s.unit || 'no unit'})`), ...birth.actuators.map((a) => `${a.name} ⇄`)].join(', ');
}

/** The console's peer list: each peer, its offers, its sensors' last readings. */
export function consolePeers(bridge: Bridge | undefined, readings: { of(peer: string): LastReading[] } | undefined): ConsoleSnapshot['peers'] {
  return (bridge?.peers() ?? []).map((p) => ({ id: p.id, online: p.online, since: p.since, offers: peerOffers(p.birth), readings: readings?.of(p.id) ?? [] }));
}

/** How old a reading is, for people: `now`, `4 s ago`, `3 min ago`, `2 h ago`. */
export function readingAge(at: number, now: number): string {
  const s = Math.round((now - at) / 1000);
  if (s < 1) return 'now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** What the device offers, as the console lists it (terminal interfaces left out: every host has them). */
export function offersOf(profile: DeviceProfile): ConsoleSnapshot['offers'] {
  return {
    summary: `${profile.resources.cpu[0]?.cores ?? '?'} cores · engine ${profile.wasm.engine?.name} ${profile.wasm.engine?.version} · grants it can honor: ${profile.wasm.grants ? profile.wasm.grants.join(', ') : 'all'}`,
    interfaces: profile.wasm.interfaces.filter((o) => !o.name.startsWith('wasi:cli/terminal')).map((o) => ({ name: `${o.name}${o.version ? `@${o.version}` : ''}`, grant: o.grant })),
  };
}

/** The last `max` events of a device, numbered, for a console that keeps them in memory only. */
export function createEventRing(max = 300): { add(event: Omit<DeviceEvent, 'at' | 'seq'>): void; list(): readonly DeviceEvent[] } {
  const events: DeviceEvent[] = [];
  let seq = 0;
  return {
    add(event) {
      events.push({ ...event, at: Date.now(), seq: ++seq });
      if (events.length > max) events.splice(0, events.length - max);
    },
    list: () => events,
  };
}

/** What the console says after a restart of deployment `id`, from the statuses it left. */
export function restartOutcome(statuses: readonly DeploymentStatus[], id: string): string {
  const status = statuses.find((s) => s.deploymentId === id)?.status;
  return status?.state === 'installed' ? `restarted at ${new Date().toLocaleTimeString([], { hour12: false })}` : `restart failed: ${status?.error?.message ?? status?.state ?? 'not deployed'}`;
}
