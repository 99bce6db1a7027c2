import type { SensorReading } from '../deploy/run-deployment.js';
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
