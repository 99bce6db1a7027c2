// The console snapshot of an agent that keeps its own activity in memory (the Linux agent's
// console): built from the running parts, with nothing platform-specific in it.
import type { Bridge } from '../bridge/bridge.js';
import type { Host } from '../create-host.js';
import type { Agent } from '../deploy/agent.js';
import type { LastReading } from '../bridge/last-readings.js';
import { consolePeers, offersOf, type ConsoleSnapshot, type createEventRing } from './console-snapshot.js';
import type { DeviceProfile } from './profile.js';

export type EventRing = ReturnType<typeof createEventRing>;

/** The running parts a snapshot is read from. */
export interface AgentConsoleParts {
  agent: Agent;
  host: Host;
  profile: () => DeviceProfile;
  events: EventRing;
  source: ConsoleSnapshot['source'];
  bridge?: Bridge;
  /** Each peer sensor's last reading (bridge/last-readings.ts). */
  readings?: { of(peer: string): LastReading[] };
}

/** The agent's state as its console shows it. */
export function agentConsoleSnapshot(parts: AgentConsoleParts): ConsoleSnapshot {
  const profile = parts.profile();
  return {
    deviceId: profile.identity.id,
    deviceClass: profile.class ?? 'linux',
    broker: { state: parts.bridge ? 'connected' : 'none' },
    source: parts.source,
    deployments: parts.agent.statuses().filter((s) => s.status.state !== 'removed'),
    workloads: parts.agent.workloads(),
    digests: {},
    peers: consolePeers(parts.bridge, parts.readings),
    progress: parts.agent.progress().map(({ deploymentId, component, text }) => ({ deploymentId, component, text })),
    events: parts.events.list(),
    panels: parts.host.display.panels(),
    offers: offersOf(profile),
  };
}
