// The host's side of resources in a workload worker: the objects the providers made live
// here, in one table per worker, and the worker only ever sees small integer handles. A
// handle is checked on every use: it must be live in this worker's table and of the type
// the worker named (and the type the WIT signature expects, see `checkParams`).
import { WasmhostError } from '../errors.js';
import type { ResourceCodec } from './channel-values.js';
import type { ResourceParam, ResourceTypes } from './resource-plan.js';

/** A constructor a provider puts in its import object for a resource (`Bucket`). */
type ResourceClass = abstract new (...args: never[]) => object;

/** The live resources of one worker. */
export interface ResourceTable extends ResourceCodec {
  /** How many handles are live. */
  readonly size: number;
  /** Checks a forwarded function's resource arguments against its WIT signature. */
  checkParams(fn: string, args: readonly unknown[], params: readonly ResourceParam[]): void;
  /** Forgets the own handles a function was given (the host owns those objects now). */
  releaseOwned(args: readonly unknown[], params: readonly ResourceParam[]): void;
  /**
   * The guest dropped these handles: forget them and dispose of each object, as jco does
   * in-process. Unknown handles are counted, not fatal; a dispose that throws is rethrown after the rest.
   */
  drop(handles: readonly number[]): void;
  /** How many drops named no live handle. */
  readonly unknownDrops: number;
  /** The worker is gone: dispose of and forget every object; returns what disposes threw. */
  clear(): unknown[];
}

/** Live handles one worker may hold by default: its resources live in the host's memory, outside the worker's heap cap. */
export const DEFAULT_MAX_RESOURCES = 65_536;

const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/**
 * A table for one worker of workload `name`. `classes[type]` is the provider's class of each
 * numbered resource type (undefined when the provider has none: such values cannot cross).
 * Handing out a handle past `maxResources` live ones fails (a trap of the call).
 */
export function createResourceTable(name: string, types: ResourceTypes, classes: readonly (ResourceClass | undefined)[], maxResources = DEFAULT_MAX_RESOURCES): ResourceTable {
  const live = new Map<number, { type: number; value: object }>();
  const typeOf = new WeakMap<object, number>();
  /** The handle each object last arrived under from the worker (to release own handles after a call). */
  const arrivedAs = new WeakMap<object, number>();
  let next = 1;
  let unknownDrops = 0;
  const label = (type: number) => types.keys[type]?.replace('#', ' ') ?? `resource type ${type}`;

  function classify(value: object): number | undefined {
    const known = typeOf.get(value);
    if (known !== undefined) return known;
    const type = classes.findIndex((c) => c !== undefined && value instanceof c);
    if (type < 0) return undefined;
    typeOf.set(value, type);
    return type;
  }

  function disposeAll(values: readonly object[]): unknown[] {
    const errors: unknown[] = [];
    for (const value of values) {
      const fn = (value as Record<symbol, unknown>)[DISPOSE];
      try {
        if (typeof fn === 'function') (fn as () => void).call(value);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  return {
    get size() { return live.size; },
    get unknownDrops() { return unknownDrops; },
    toHandle(value) {
      const type = classify(value);
      if (type === undefined) return undefined;
      if (live.size >= maxResources) {
        throw new WasmhostError('trap', `${name} holds ${live.size} resource handles, the most one workload may hold; it is stopped (does it drop what it opens?)`, {
          data: { maxResources },
        });
      }
      const handle = next++;
      live.set(handle, { type, value });
      return [type, handle];
    },
    fromHandle(type, handle) {
      const entry = live.get(handle);
      if (!entry) {
        throw new WasmhostError('trap', `${name}'s worker named resource handle ${handle} (${label(type)}), which is not live in its table: it was dropped, or never handed to this workload`, {
          data: { badHandle: handle },
        });
      }
      if (entry.type !== type) {
        throw new WasmhostError('trap', `${name}'s worker named resource handle ${handle} a ${label(type)}, but it is a ${label(entry.type)}`, {
          data: { badHandle: handle },
        });
      }
      arrivedAs.set(entry.value, handle);
      return entry.value;
    },
    checkParams(fn, args, params) {
      for (const p of params) {
        const value = args[p.index];
        if (value === undefined && p.optional) continue;
        const type = typeof value === 'object' && value !== null ? typeOf.get(value) : undefined;
        if (type !== p.type) {
          throw new WasmhostError('trap', `${name}'s worker passed ${type === undefined ? 'no resource' : `a ${label(type)}`} as argument ${p.index + 1} of ${fn}, which takes a ${label(p.type)}`, {
            data: { badHandle: true },
          });
        }
      }
    },
    releaseOwned(args, params) {
      for (const p of params) {
        const value = args[p.index];
        if (p.own && typeof value === 'object' && value !== null) {
          const handle = arrivedAs.get(value);
          if (handle !== undefined && live.get(handle)?.value === value) live.delete(handle);
        }
      }
    },
    drop(handles) {
      const values: object[] = [];
      for (const handle of handles) {
        const entry = live.get(handle);
        if (!entry) unknownDrops++;
        else {
          live.delete(handle);
          values.push(entry.value);
        }
      }
      const errors = disposeAll(values);
      if (errors.length) throw errors[0];
    },
    clear() {
      const values = [...live.values()].map((e) => e.value);
      live.clear();
      return disposeAll(values);
    },
  };
}
