// The last reading of each peer sensor, as the bridge's data topic brings them: what the
// console shows beside each peer (its value, and how old it is).
import type { Bridge } from './bridge.js';

/** A peer sensor's last reading: the sensor's own name (without `<peer>/`), its value and unit, and when it was taken (ms since the epoch). */
export interface LastReading { sensor: string; value: number | string | boolean; unit: string; at: number }

/** Most sensors kept per peer; a peer sending more names does not grow the host's memory past this. */
const MAX_PER_PEER = 32;

/** Keeps the last reading per `<peer>/<sensor>` from `bridge`'s data; `of(peer)` lists a peer's, by sensor name. */
export function trackLastReadings(bridge: Pick<Bridge, 'onReading'>): { of(peer: string): LastReading[]; close(): void } {
  const byPeer = new Map<string, Map<string, LastReading>>();
  const close = bridge.onReading((records, peer) => {
    let sensors = byPeer.get(peer);
    if (!sensors) byPeer.set(peer, (sensors = new Map()));
    for (const r of records) {
      const value = r.value ?? r.stringValue ?? r.boolValue;
      if (value === undefined) continue;
      const sensor = r.name.startsWith(`${peer}/`) ? r.name.slice(peer.length + 1) : r.name;
      if (!sensors.has(sensor) && sensors.size >= MAX_PER_PEER) continue;
      sensors.set(sensor, { sensor, value, unit: r.unit ?? '', at: r.time });
    }
  });
  return {
    of: (peer) => [...(byPeer.get(peer)?.values() ?? [])].sort((a, b) => a.sensor.localeCompare(b.sensor)),
    close,
  };
}
