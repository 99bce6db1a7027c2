// The console's peer list carries each peer sensor's last reading (value, unit, when), as the
// bridge's data topic brings them: records decoded by the real SenML codec.
import { describe, expect, it } from 'vitest';
import { consolePeers, readingAge } from '../../../src/device/console-snapshot.js';
import { trackLastReadings } from '../../../src/bridge/last-readings.js';
import { decodeSenml, encodeSenml } from '../../../src/bridge/senml.js';
import type { Bridge } from '../../../src/bridge/bridge.js';
import type { SenmlRecord } from '../../../src/bridge/frames.js';
import type { SenmlInput } from '../../../src/bridge/senml.js';

/** An absolute time (SenML's are ms since the epoch). */
const T0 = Date.UTC(2026, 11, 6);

/** The parts of a bridge the console reads: its peers, and the data records it hears. */
function fakeBridge() {
  const listeners = new Set<(records: SenmlRecord[], peer: string) => void>();
  const birth = { id: 'sim-1', class: 'embedded-peer', seq: 1, ifaces: [], sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }, { name: 'door', unit: '', kind: 'contact' }], actuators: [] };
  const bridge = {
    peers: () => [{ id: 'sim-1', birth, online: true, since: 1000 }],
    onReading(listener: (records: SenmlRecord[], peer: string) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  const send = (peer: string, records: SenmlInput[], now: number) => {
    const decoded = decodeSenml(encodeSenml(records), { peer, now });
    if (!decoded.ok) throw new Error(decoded.reason);
    listeners.forEach((l) => l(decoded.frame, peer));
  };
  return { bridge: bridge as unknown as Bridge, send, listeners };
}

describe('the console snapshot of peers', () => {
  it('shows each sensor\'s last reading with its unit and time, the latest winning', () => {
    const { bridge, send } = fakeBridge();
    const readings = trackLastReadings(bridge);
    expect(consolePeers(bridge, readings)[0]!.readings).toEqual([]);
    send('sim-1', [{ name: 'temperature', unit: 'Cel', value: 20.5, time: T0 + 5000 }], T0 + 5000);
    send('sim-1', [{ name: 'temperature', unit: 'Cel', value: 21.25, time: T0 + 6000 }, { name: 'door', boolValue: true, time: T0 + 6000 }], T0 + 6000);
    const [peer] = consolePeers(bridge, readings);
    expect(peer).toMatchObject({ id: 'sim-1', online: true, offers: 'temperature (Cel), door (no unit)' });
    expect(peer!.readings).toEqual([
      { sensor: 'door', value: true, unit: '', at: T0 + 6000 },
      { sensor: 'temperature', value: 21.25, unit: 'Cel', at: T0 + 6000 },
    ]);
  });

  it('keeps at most 32 sensors per peer, and stops listening when closed', () => {
    const { bridge, send, listeners } = fakeBridge();
    const readings = trackLastReadings(bridge);
    send('sim-1', Array.from({ length: 40 }, (_, i) => ({ name: `s${String(i).padStart(2, '0')}`, value: i, time: T0 })), T0);
    expect(readings.of('sim-1')).toHaveLength(32);
    readings.close();
    expect(listeners.size).toBe(0);
  });

  it('says a reading\'s age in words', () => {
    expect(readingAge(10_000, 10_200)).toBe('now');
    expect(readingAge(10_000, 14_000)).toBe('4 s ago');
    expect(readingAge(0, 180_000)).toBe('3 min ago');
    expect(readingAge(0, 7_200_000)).toBe('2 h ago');
  });
});
