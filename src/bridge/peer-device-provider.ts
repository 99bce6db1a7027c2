// `wasmhost:device/sensors` and `actuators` served by embedded peers through the bridge, with
// the device's own drivers beside them. A name `<peer>/<sensor>` goes to that peer over rpc;
// any other name goes to the local drivers, synchronously. A peer call returns a Promise, which
// only a worker-isolated workload can wait for (its worker blocks on Atomics while the host
// awaits: src/runtime/isolated-workload.ts); an in-process workload should use local names only.

import { createDeviceProvider, type DeviceDrivers } from '../capabilities/device-provider.js';
import { allowedName } from '../capabilities/grants.js';
import { interfaceError } from '../capabilities/interface-error.js';
import type { CapabilityProvider } from '../capabilities/provider.js';
import type { Bridge } from './bridge.js';
import type { ActuatorOffer, RpcReplyFrame, SensorOffer } from './frames.js';

interface Reading { value: number; unit: string; timestampMs: bigint }
interface SensorInfo { name: string; unit: string; kind: string }
interface ActuatorInfo extends SensorInfo { min: number; max: number }

type SensorsImpl = { list(): SensorInfo[]; read(name: string): Reading | Promise<Reading> };
type ActuatorsImpl = { list(): ActuatorInfo[]; set(name: string, value: number): void | Promise<void> };

/** The peer id and the peer's own name of `<peer>/<name>`, or undefined for a local name. */
function split(name: string): { peer: string; local: string } | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return { peer: name.slice(0, slash), local: name.slice(slash + 1) };
}

export function createPeerDeviceProvider(bridge: Bridge, localDrivers: DeviceDrivers = {}): CapabilityProvider {
  const localProvider = createDeviceProvider(localDrivers);
  const now = localDrivers.now ?? (() => Date.now());
  const isLocalSensor = (name: string) => Object.prototype.hasOwnProperty.call(localDrivers.sensors ?? {}, name);
  const isLocalActuator = (name: string) => Object.prototype.hasOwnProperty.call(localDrivers.actuators ?? {}, name);

  /** The peer's offer named by `<peer>/<name>`, whether the peer is online or not. */
  function offer<T extends SensorOffer>(name: string, pick: (peer: NonNullable<ReturnType<Bridge['peer']>>) => readonly T[]) {
    const parts = split(name);
    if (!parts) return undefined;
    const state = bridge.peer(parts.peer);
    const found = state && pick(state).find((o) => o.name === parts.local);
    return found && state ? { ...parts, offer: found, online: state.online } : undefined;
  }

  /** The `err` case for a host-side failure or a peer's error reply. */
  function failure(error: unknown): { payload: unknown } {
    const e = error as { code?: string; message?: string };
    if (e?.code === 'timeout') return interfaceError({ tag: 'timeout' });
    return interfaceError({ tag: 'unavailable', val: e?.message ?? String(error) });
  }

  function replyError(reply: Extract<RpcReplyFrame, { ok: false }>, peer: string, name: string, actuator: boolean): { payload: unknown } {
    if (reply.err === 'not-found') return interfaceError({ tag: 'not-found' });
    if (reply.err === 'out-of-range' && actuator) return interfaceError({ tag: 'out-of-range' });
    return interfaceError({ tag: 'unavailable', val: `peer ${peer} answered ${reply.err} for ${name}${reply.msg ? `: ${reply.msg}` : ''}` });
  }

  return {
    name: 'peer-device',
    offers: localProvider.offers,
    create(context) {
      const { grants } = context;
      const local = localProvider.create(context) as { 'wasmhost:device/sensors': SensorsImpl; 'wasmhost:device/actuators': ActuatorsImpl };
      const online = () => bridge.peers().filter((p) => p.online);

      const sensors: SensorsImpl = {
        list: () => [
          ...local['wasmhost:device/sensors'].list(),
          ...online().flatMap((p) => p.birth.sensors.map((s) => ({ name: `${p.id}/${s.name}`, unit: s.unit, kind: s.kind })))
            .filter((s) => allowedName(grants.sensors, s.name)),
        ],
        read(name: string) {
          if (isLocalSensor(name)) return local['wasmhost:device/sensors'].read(name);
          const found = offer(name, (p) => p.birth.sensors);
          if (!found) throw interfaceError({ tag: 'not-found' });
          if (!allowedName(grants.sensors, name)) throw interfaceError({ tag: 'denied' });
          return bridge.rpc(found.peer, { op: 'read', name: found.local }).then(
            (reply): Reading => {
              if (!reply.ok) throw replyError(reply, found.peer, found.local, false);
              if (reply.value === undefined) {
                throw interfaceError({ tag: 'unavailable', val: `peer ${found.peer} answered read ${found.local} without a value` });
              }
              return { value: reply.value, unit: reply.unit ?? found.offer.unit, timestampMs: BigInt(Math.round(reply.t ?? now())) };
            },
            (error: unknown) => {
              throw failure(error);
            },
          );
        },
      };

      const actuators: ActuatorsImpl = {
        list: () => [
          ...local['wasmhost:device/actuators'].list(),
          ...online().flatMap((p) => p.birth.actuators.map((a: ActuatorOffer) => ({
            name: `${p.id}/${a.name}`, unit: a.unit, kind: a.kind, min: a.min ?? -Infinity, max: a.max ?? Infinity,
          }))).filter((a) => allowedName(grants.actuators, a.name)),
        ],
        set(name: string, value: number) {
          if (isLocalActuator(name)) return local['wasmhost:device/actuators'].set(name, value);
          const found = offer(name, (p) => p.birth.actuators);
          if (!found) throw interfaceError({ tag: 'not-found' });
          if (!allowedName(grants.actuators, name)) throw interfaceError({ tag: 'denied' });
          const { min = -Infinity, max = Infinity } = found.offer as ActuatorOffer;
          if (!(Number.isFinite(value) && value >= min && value <= max)) throw interfaceError({ tag: 'out-of-range' });
          return bridge.rpc(found.peer, { op: 'set', name: found.local, value }).then(
            (reply): void => {
              if (!reply.ok) throw replyError(reply, found.peer, found.local, true);
            },
            (error: unknown) => {
              throw failure(error);
            },
          );
        },
      };

      return { 'wasmhost:device/types': {}, 'wasmhost:device/sensors': sensors, 'wasmhost:device/actuators': actuators };
    },
  };
}
