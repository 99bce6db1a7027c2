// The page's own sensors and actuators: a simulated climate pair (so a kiosk without
// hardware still runs the examples) and the browser's device APIs where it has them.
// Drivers are synchronous (component imports are), so asynchronous browser APIs are
// sampled in the background and read from their last value.
import { createSimulatedDrivers, type DeviceDrivers, type SensorDriver } from '../src/capabilities/device-provider.js';

/** Drivers plus a way to hear when an actuator is set (the UI shows it). */
export interface BrowserDrivers extends DeviceDrivers {
  /** The latest value set on each actuator. */
  state: Record<string, number>;
}

interface BatteryManager extends EventTarget { level: number; charging: boolean }

/**
 * `temperature` (simulated, Cel) and `fan` (simulated relay); `battery` (%, from the Battery
 * Status API) when the browser has it; `visible` (1 while the page is shown, from the Page
 * Visibility API) always.
 */
export async function createBrowserDrivers(onSet?: (name: string, value: number) => void): Promise<BrowserDrivers> {
  const simulated = createSimulatedDrivers(Date.now() % 1000, onSet);
  const sensors: Record<string, SensorDriver> = { ...simulated.sensors };
  sensors.visible = { unit: '/', kind: 'presence', read: () => (document.visibilityState === 'visible' ? 1 : 0) };
  const nav = navigator as Navigator & { getBattery?: () => Promise<BatteryManager> };
  const battery = await nav.getBattery?.().catch(() => undefined);
  if (battery) sensors.battery = { unit: '%', kind: 'battery', read: () => Math.round(battery.level * 100) };
  return { sensors, actuators: simulated.actuators, state: simulated.state };
}
