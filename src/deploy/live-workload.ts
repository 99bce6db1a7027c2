import type { Host } from '../create-host.js';
import type { Component } from '../component/component.js';
import type { Workload } from '../runtime/workload.js';
import type { WorkloadSpec } from './types.js';

/** A deployment component's running instance, in the host's thread or in its own worker. */
export interface LiveWorkload {
  call(path: string, args: unknown[]): Promise<unknown>;
  /** True once it will take no more calls (closed, or in-process and not yet replaced). */
  readonly dead: boolean;
  readonly restarts: number;
  readonly lastError?: string;
  close(): void;
}

/**
 * Starts a component as its spec's limits say: `worker` isolation (time and memory limits,
 * restarts with backoff, done by the isolated workload) or `in-process` (a trapped instance
 * is replaced by a fresh one; its state is gone, the deployment keeps serving).
 */
export async function startLiveWorkload(host: Host, component: Component, spec: WorkloadSpec, name: string): Promise<LiveWorkload> {
  const options = { name, config: spec.config, grants: spec.grants };
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
      close: () => void isolated.close(),
    };
  }
  let workload: Workload = await host.instantiate(component, options);
  let restarts = 0;
  let lastError: string | undefined;
  let replacing: Promise<void> | undefined;
  return {
    async call(path, args) {
      if (replacing) await replacing;
      try {
        return workload.call(path, ...args);
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        if (workload.dead && !replacing) {
          replacing = host.instantiate(component, options).then(
            (fresh) => { workload = fresh; restarts++; },
            (e: unknown) => { lastError = String(e); },
          ).finally(() => (replacing = undefined));
        }
        throw error;
      }
    },
    get dead() { return workload.dead; },
    get restarts() { return restarts; },
    get lastError() { return lastError; },
    close: () => workload.close(),
  };
}
