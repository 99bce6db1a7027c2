import type { Host } from '../create-host.js';
import type { Component } from '../component/component.js';
import type { Clock } from '../ports/agent-ports.js';
import { createRestartingWorkload } from '../runtime/restarting-workload.js';
import type { WorkloadSpec } from './types.js';
import type { TelemetrySpan } from '../telemetry/telemetry.js';
import type { WorkloadMemory } from '../runtime/workload-memory.js';

/** A deployment component's running instance, in the host's thread or in its own worker. */
export interface LiveWorkload {
  call(path: string, args: unknown[]): Promise<unknown>;
  /** True once it will take no more calls (closed, or in-process and waiting for its restart). */
  readonly dead: boolean;
  readonly restarts: number;
  readonly lastError?: string;
  /** Its memory now, against its cap (see Workload.memory, IsolatedWorkload.memory). */
  memory(): WorkloadMemory;
  close(): void;
}

/**
 * Starts a component as its spec's limits say: `worker` isolation (time and memory limits,
 * restarts with backoff, done by the isolated workload) or `in-process` (memory capped, no call
 * time limit; the host refuses it unless its operator allowed it; a trapped instance is replaced
 * by a fresh one after the same backoff, timed by `clock`).
 */
export async function startLiveWorkload(host: Host, component: Component, spec: WorkloadSpec, name: string, clock: Clock, span?: TelemetrySpan): Promise<LiveWorkload> {
  const options = { name, config: spec.config, grants: spec.grants, span };
  if (spec.limits.isolation === 'worker') {
    let lastError: string | undefined;
    const isolated = await host.startIsolated(component, {
      ...options,
      limits: { callTimeoutMs: spec.limits.callTimeoutMs, memoryBytes: spec.limits.memoryBytes },
      onEvent: (event) => { if (event.type === 'stopped') lastError = event.error.message; },
    });
    return {
      call: (path, args) => isolated.call(path, ...args),
      get dead() { return isolated.state === 'closed'; },
      get restarts() { return isolated.restarts; },
      get lastError() { return lastError; },
      memory: () => isolated.memory(),
      close: () => void isolated.close(),
    };
  }
  const inProcess = await createRestartingWorkload(() => host.instantiate(component, { ...options, memoryBytes: spec.limits.memoryBytes }), {
    name, clock,
    onEvent: (event) => {
      if (event.type === 'started' && event.restarts > 0) host.telemetry.add('wasmhost.workload.restarts', 1, { 'wasmhost.workload': name });
    },
  });
  return {
    call: (path, args) => inProcess.call(path, ...args),
    get dead() { return inProcess.dead; },
    get restarts() { return inProcess.restarts; },
    get lastError() { return inProcess.lastError; },
    memory: () => inProcess.memory(),
    close: () => inProcess.close(),
  };
}
