// What a device agent takes from the bridge, the same on every host: peers' pushed readings
// for `reading` triggers, which peers are online (deployments wait for theirs), and the
// online peers with what they offer (for the device profile).
import type { SensorReading } from '../deploy/run-deployment.js';
import type { PeerPresence } from '../deploy/agent.js';
import type { ConnectedPeer } from '../device/profile.js';
import type { Bridge } from './bridge.js';

/**
 * The agent's `subscribeReadings` over the bridge's data topic: each SenML record named
 * `<peer>/<sensor>` with a numeric value becomes a reading of that sensor.
 */
export function peerReadings(bridge: Bridge) {
  return (sensor: string, listener: (reading: SensorReading) => void): (() => void) =>
    bridge.onReading((records) => {
      for (const r of records) {
        if (r.name === sensor && typeof r.value === 'number') listener({ value: r.value, unit: r.unit ?? '', timestampMs: BigInt(Math.round(r.time)) });
      }
    });
}

/** The agent's view of which peers are online. */
export function peerPresence(bridge: Bridge): PeerPresence {
  return { online: (peer) => bridge.peer(peer)?.online === true, onChange: (listener) => bridge.onPeersChanged(listener) };
}

/** The peers online now, with the interfaces their births offer. */
export function connectedPeers(bridge: Bridge | undefined): ConnectedPeer[] {
  return (bridge?.peers() ?? []).filter((p) => p.online).map((p) => ({ id: p.id, interfaces: p.birth.ifaces }));
}
