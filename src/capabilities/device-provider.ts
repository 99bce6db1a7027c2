import { interfaceError } from './interface-error.js';
import type { CapabilityProvider } from './provider.js';
import { allowedName } from './grants.js';

/** A local sensor driver: the vendor's function that samples it. */
export interface SensorDriver {
  unit: string;
  /** What it measures: `temperature`, `humidity`… */
  kind: string;
  read(): number;
}

/** A local actuator driver: the vendor's function that drives it. */
export interface ActuatorDriver {
  unit: string;
  kind: string;
  min: number;
  max: number;
  set(value: number): void;
}

/** The sensors and actuators a device offers, by name. */
export interface DeviceDrivers {
  sensors?: Record<string, SensorDriver>;
  actuators?: Record<string, ActuatorDriver>;
  /** Milliseconds since the epoch, for reading timestamps (default Date.now). */
  now?: () => number;
}

/** `wasmhost:device/sensors` and `actuators` backed by local drivers. */
export function createDeviceProvider(drivers: DeviceDrivers): CapabilityProvider {
  const sensors = drivers.sensors ?? {};
  const actuators = drivers.actuators ?? {};
  const now = drivers.now ?? (() => Date.now());
  return {
    name: 'device',
    offers: [
      // Types only (the `reading` record): nothing to grant and nothing to implement.
      { name: 'wasmhost:device/types', version: '0.1.0' },
      { name: 'wasmhost:device/sensors', version: '0.1.0', grant: 'sensors' },
      { name: 'wasmhost:device/actuators', version: '0.1.0', grant: 'actuators' },
    ],
    create: ({ grants }) => ({
      'wasmhost:device/types': {},
      'wasmhost:device/sensors': {
        list: () => Object.entries(sensors).filter(([name]) => allowedName(grants.sensors, name)).map(([name, s]) => ({ name, unit: s.unit, kind: s.kind })),
        read(name: string) {
          const sensor = sensors[name];
          if (!sensor) throw interfaceError({ tag: 'not-found' });
          if (!allowedName(grants.sensors, name)) throw interfaceError({ tag: 'denied' });
          let value: number;
          try {
            value = sensor.read();
          } catch (error) {
            throw interfaceError({ tag: 'unavailable', val: error instanceof Error ? error.message : String(error) });
          }
          return { value, unit: sensor.unit, timestampMs: BigInt(Math.round(now())) };
        },
      },
      'wasmhost:device/actuators': {
        list: () =>
          Object.entries(actuators)
            .filter(([name]) => allowedName(grants.actuators, name))
            .map(([name, a]) => ({ name, unit: a.unit, kind: a.kind, min: a.min, max: a.max })),
        set(name: string, value: number) {
          const actuator = actuators[name];
          if (!actuator) throw interfaceError({ tag: 'not-found' });
          if (!allowedName(grants.actuators, name)) throw interfaceError({ tag: 'denied' });
          if (!(value >= actuator.min && value <= actuator.max)) throw interfaceError({ tag: 'out-of-range' });
          try {
            actuator.set(value);
          } catch (error) {
            throw interfaceError({ tag: 'unavailable', val: error instanceof Error ? error.message : String(error) });
          }
        },
      },
    }),
  };
}

/** Simulated drivers for development: a temperature that drifts around 21 °C and a fan that remembers its state. */
export function createSimulatedDrivers(seed = 1, onSet?: (name: string, value: number) => void): DeviceDrivers & { state: Record<string, number> } {
  const state: Record<string, number> = { fan: 0 };
  let x = seed;
  const noise = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
  let temperature = 21;
  return {
    state,
    sensors: {
      temperature: { unit: 'Cel', kind: 'temperature', read: () => (temperature = Math.round((temperature + noise()) * 100) / 100) },
    },
    actuators: {
      fan: { unit: '', kind: 'relay', min: 0, max: 1, set: (v) => { state.fan = v; onSet?.('fan', v); } },
    },
  };
}

/** Samples a driver's sensor as a `reading` (for triggers the host fires itself). */
export function sensorReader(drivers: DeviceDrivers): (name: string) => { value: number; unit: string; timestampMs: bigint } {
  const now = drivers.now ?? (() => Date.now());
  return (name) => {
    const sensor = drivers.sensors?.[name];
    if (!sensor) throw new Error(`no sensor named ${name}`);
    return { value: sensor.read(), unit: sensor.unit, timestampMs: BigInt(Math.round(now())) };
  };
}
