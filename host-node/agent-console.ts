// The Node agent's side of the device console: what it saw (log lines, statuses, outputs, peer
// news) kept in memory, and the snapshot the console page renders, built from the running parts.
import type { Bridge } from '../src/bridge/bridge.js';
import type { Host } from '../src/create-host.js';
import type { Agent } from '../src/deploy/agent.js';
import { consolePeers, createEventRing, offersOf, type ConsoleSnapshot } from '../src/device/console-snapshot.js';
import type { LastReading } from '../src/bridge/last-readings.js';
import type { DeviceProfile } from '../src/device/profile.js';

export type EventRing = ReturnType<typeof createEventRing>;
export { createEventRing };

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
