import { createHost, type Host, type HostOptions } from '../create-host.js';
import type { Component } from '../component/component.js';
import { createDeviceProvider, type ActuatorDriver, type SensorDriver } from '../capabilities/device-provider.js';
import type { Grants } from '../capabilities/grants.js';
import type { CapabilityProvider, LogEntry } from '../capabilities/provider.js';
import { createMemoryArtifactCache } from '../memory/memory-artifact-cache.js';
import { createMemoryStore } from '../memory/memory-store.js';
import type { Workload } from '../runtime/workload.js';
import { recordCalls, type CapabilityCall } from './record-calls.js';
import { sendTestRequest, type TestHttpRequest, type TestHttpResponse } from './http-request.js';

export type { TestHttpRequest, TestHttpResponse };

/** A mocked sensor: a constant, or a sequence whose last value repeats. */
export type SensorMock = number | number[] | { unit?: string; kind?: string; values: number | number[] };

/** What a test host pretends the device has. Everything mocked is also granted. */
export interface TestHostMocks {
  sensors?: Record<string, SensorMock>;
  /** Actuator names (on/off, 0..1), or names with their range. */
  actuators?: string[] | Record<string, ActuatorMock>;
  config?: Record<string, string>;
  /** Key-value contents by bucket: `{ counts: { a: '1' } }`; each bucket is also granted. */
  keyvalue?: Record<string, Record<string, string | Uint8Array>>;
}

/** Options of a test host: mocks, plus any host option (an artifact cache, more providers). */
export interface TestHostOptions extends TestHostMocks, Partial<HostOptions> {
  /** Grants beyond those the mocks imply. */
  grants?: Grants;
}

/** A host for testing a component: mocked capabilities, and a record of every call into them. */
export interface TestHost {
  readonly host: Host;
  /** Every capability call workloads made, in order. */
  readonly calls: CapabilityCall[];
  /** Every log line workloads wrote. */
  readonly logs: LogEntry[];
  /** The last value each actuator was set to. */
  readonly actuators: Record<string, number>;
  /** What `start` grants: everything mocked, plus the options' grants. */
  readonly grants: Grants;
  /** Loads and instantiates a component with the mocks' config and grants (its key-value data is seeded first). */
  start(bytes: Uint8Array, name?: string): Promise<Workload & { component: Component }>;
  /** A key's current value in a workload's bucket, as text (undefined when absent). */
  keyvalue(workload: string, bucket: string, key: string): string | undefined;
  /** The calls into one interface (`wasmhost:device/sensors`) or one function of it (`…/sensors#read`). */
  callsTo(target: string): CapabilityCall[];
  /** Sends one HTTP request to a workload exporting wasi:http/incoming-handler and reads its status, headers and body. */
  request(workload: Workload, request: TestHttpRequest): TestHttpResponse;
}

/** Builds a test host (in memory; `wasmhost/node` adds a file cache and WASI). */
export function createTestHost(options: TestHostOptions = {}): TestHost {
  const calls: CapabilityCall[] = [];
  const store = options.store ?? createMemoryStore();
  const logs: LogEntry[] = [];
  const actuatorState: Record<string, number> = {};
  const device = createDeviceProvider({
    sensors: mapValues(options.sensors ?? {}, sensorDriver),
    actuators: actuatorDrivers(options.actuators ?? [], actuatorState),
    now: () => 0,
  });
  const record = (p: CapabilityProvider) => recordCalls(p, (c) => calls.push(c));
  const host = createHost({
    ...options,
    artifactCache: options.artifactCache ?? createMemoryArtifactCache(),
    store,
    providers: [device, ...(options.providers ?? [])],
    wrapProvider: record,
    log: (entry) => {
      logs.push(entry);
      options.log?.(entry);
    },
  });
  const grants: Grants = {
    ...options.grants,
    sensors: [...Object.keys(options.sensors ?? {}), ...(options.grants?.sensors ?? [])],
    actuators: [...Object.keys(actuatorDrivers(options.actuators ?? [], {})), ...(options.grants?.actuators ?? [])],
    keyvalue: { buckets: [...Object.keys(options.keyvalue ?? {}), ...(options.grants?.keyvalue?.buckets ?? [])] },
  };
  return {
    host,
    calls,
    logs,
    actuators: actuatorState,
    grants,
    async start(bytes, name = 'test') {
      for (const [bucket, entries] of Object.entries(options.keyvalue ?? {})) {
        for (const [key, value] of Object.entries(entries)) store.set(name, bucket, key, typeof value === 'string' ? new TextEncoder().encode(value) : value);
      }
      const component = await host.load(bytes);
      return host.instantiate(component, { name, config: options.config, grants });
    },
    keyvalue(workload, bucket, key) {
      const value = store.get(workload, bucket, key);
      return value && new TextDecoder().decode(value);
    },
    request: sendTestRequest,
    callsTo(target) {
      const [iface, fn] = target.split('#');
      return calls.filter((c) => c.interface === iface.split('@')[0] && (fn === undefined || c.function === fn));
    },
  };
}

function sensorDriver(mock: SensorMock): SensorDriver {
  const spec = typeof mock === 'object' && !Array.isArray(mock) ? mock : { values: mock };
  const values = Array.isArray(spec.values) ? spec.values : [spec.values];
  let next = 0;
  return { unit: spec.unit ?? '', kind: spec.kind ?? 'mock', read: () => values[Math.min(next++, values.length - 1)] };
}

type ActuatorMock = { min?: number; max?: number; unit?: string; kind?: string };

function actuatorDrivers(mocks: NonNullable<TestHostMocks['actuators']>, state: Record<string, number>): Record<string, ActuatorDriver> {
  const specs: Record<string, ActuatorMock> = Array.isArray(mocks) ? Object.fromEntries(mocks.map((n) => [n, {}])) : mocks;
  return mapValues(specs, (spec, name) => ({
    unit: spec.unit ?? '',
    kind: spec.kind ?? 'mock',
    min: spec.min ?? 0,
    max: spec.max ?? 1,
    set: (value: number) => { state[name] = value; },
  }));
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T, key: string) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v, k)]));
}
