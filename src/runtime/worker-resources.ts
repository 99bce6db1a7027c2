// The worker's side of resources: for each resource type a forwarded interface defines, a
// stand-in class in jco's shape (the glue checks `instanceof` it, calls `new`, methods and
// statics on it, and `[Symbol.dispose]` when the guest drops an own handle). A stand-in holds
// only a type and a handle; every method crosses to the host, which keeps the real object
// (resource-table.ts). Drops are batched and posted; nobody waits for them.
import { WasmhostError } from '../errors.js';
import type { ForwardedInterface, WorkerToHost } from './isolate-protocol.js';
import type { SyncCallClient } from './sync-call-channel.js';
import type { ResourceCodec } from './channel-values.js';

/** Stand-ins for one worker. */
export interface WorkerResources extends ResourceCodec {
  /** The stand-in classes of an interface, by jco's class name, for its import object. */
  classes(iface: string): Record<string, unknown>;
  /** Posts the drops batched so far. */
  flush(): void;
}

const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
/** Drops posted at once when this many are waiting (otherwise at the next call or export return). */
const DROP_BATCH = 256;

/** Creates the stand-ins; `client()` is the channel (made after this, with this as its codec). */
export function createWorkerResources(plan: readonly ForwardedInterface[], post: (message: WorkerToHost) => void, client: () => SyncCallClient): WorkerResources {
  const handles = new WeakMap<object, readonly [number, number]>();
  const byType = new Map<number, { prototype: object }>();
  const byInterface = new Map<string, Record<string, unknown>>();
  let drops: number[] = [];

  const flush = () => {
    if (drops.length === 0) return;
    const handlesDropped = drops;
    drops = [];
    post({ type: 'drop', handles: handlesDropped });
  };

  for (const iface of plan) {
    const classes: Record<string, unknown> = {};
    for (const resource of iface.resources ?? []) {
      const call = (fn: string, args: unknown[]) => client().call(iface.name, fn, args);
      const ctor = `[constructor]${resource.name}`;
      // `new` returns the stand-in the host's answer decodes to (an object of this class's prototype).
      const StandIn = function StandIn(...args: unknown[]): object {
        return call(ctor, args) as object;
      } as unknown as { prototype: Record<PropertyKey, unknown> } & Record<string, unknown>;
      Object.defineProperty(StandIn, 'name', { value: resource.js });
      for (const fn of iface.functions) {
        if (fn.name.startsWith(`[method]${resource.name}.`)) {
          StandIn.prototype[fn.js] = function method(this: object, ...args: unknown[]) { return call(fn.name, [this, ...args]); };
        } else if (fn.name.startsWith(`[static]${resource.name}.`)) {
          StandIn[fn.js] = (...args: unknown[]) => call(fn.name, args);
        }
      }
      StandIn.prototype[DISPOSE] = function dispose(this: object) {
        const handle = handles.get(this);
        if (!handle) return;
        handles.delete(this);
        drops.push(handle[1]);
        if (drops.length >= DROP_BATCH) flush();
      };
      byType.set(resource.type, StandIn);
      classes[resource.js] = StandIn;
    }
    byInterface.set(iface.name, classes);
  }

  return {
    classes: (iface) => byInterface.get(iface) ?? {},
    flush,
    toHandle: (value) => handles.get(value),
    fromHandle(type, handle) {
      const StandIn = byType.get(type);
      if (!StandIn) throw new WasmhostError('bad-input', `the host sent a handle of resource type ${type}, which this worker does not know`);
      const standIn = Object.create(StandIn.prototype) as object;
      handles.set(standIn, [type, handle]);
      return standIn;
    },
  };
}
