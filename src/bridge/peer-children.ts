// The online embedded peers as Margo child devices of their gateway (rc.3 `gw/child`):
// one DeviceCapabilitiesManifest each, keyed by peer id, for `FleetFollower.setChildren`.
import { peerCapabilitiesManifest } from '../device/margo-capabilities.js';
import type { Bridge } from './bridge.js';

/** Each online peer's child-device capabilities manifest, by peer id. */
export function peerChildren(bridge: Bridge | undefined, gatewayId: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const p of bridge?.peers() ?? []) {
    if (!p.online) continue;
    const { birth } = p;
    const manifest = peerCapabilitiesManifest(gatewayId, {
      id: p.id, model: birth.class, interfaces: birth.ifaces, sensors: birth.sensors, actuators: birth.actuators,
    });
    out.set(p.id, manifest as unknown as Record<string, unknown>);
  }
  return out;
}
