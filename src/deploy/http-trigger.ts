// Binds a deployment component's `http` triggers on the agent's HTTP listener (its router):
// each request goes to `wasi:http/incoming-handler#handle` in the component's instance, with the
// trigger's body and concurrency limits and the component's call time limit as the deadline.
import { WasmhostError } from '../errors.js';
import type { Component } from '../component/component.js';
import { DEFAULT_HTTP_LIMITS } from '../runtime/http-limits.js';
import type { HttpRouter } from '../runtime/http-router.js';
import { HTTP_HANDLER, type HttpRequestData, type HttpResponseData } from '../runtime/http-types.js';
import { bufferedRequest } from '../runtime/http-stream.js';
import type { Trigger, WorkloadSpec } from './types.js';

type HttpTrigger = Extract<Trigger, { kind: 'http' }>;

/** The component's http triggers. */
export const httpTriggers = (spec: WorkloadSpec): HttpTrigger[] => spec.triggers.filter((t): t is HttpTrigger => t.kind === 'http');

/**
 * Binds every http trigger of `spec` for `owner`, calling through `call` (set once the instance
 * runs). Refuses a component without the handler export, and a route another deployment holds
 * (nothing stays bound then). Returns the unbind.
 */
export function bindHttpTriggers(router: HttpRouter, component: Component, spec: WorkloadSpec, owner: string, call: (path: string, args: unknown[]) => Promise<unknown>): () => void {
  const handler = component.world.exports.find((e) => e.kind === 'interface' && e.interface.name.startsWith(HTTP_HANDLER));
  if (!handler || handler.kind !== 'interface') {
    throw new WasmhostError('bad-input', `${spec.name} has an http trigger but does not export ${HTTP_HANDLER}, so it cannot answer requests`);
  }
  // In-process (trusted, no deadline) the handler takes the body whole and answers whole; in a
  // worker, bodies stream through the request's exchange (runtime/http-stream.ts).
  const inProcess = spec.limits.isolation !== 'worker';
  const path = `${handler.interface.name}#handle`;
  const unbinds: (() => void)[] = [];
  try {
    for (const trigger of httpTriggers(spec)) {
      const limits = {
        maxBodyBytes: trigger.maxBodyBytes ?? DEFAULT_HTTP_LIMITS.maxBodyBytes,
        maxConcurrent: trigger.maxConcurrent ?? DEFAULT_HTTP_LIMITS.maxConcurrent,
        deadlineMs: spec.limits.callTimeoutMs,
      };
      const spec_ = trigger.host ? { path: trigger.path, host: trigger.host } : { path: trigger.path };
      unbinds.push(router.bind(spec_, owner, { name: owner, limits, handle: async (request: HttpRequestData) => call(path, [inProcess ? await bufferedRequest(request) : request]) as Promise<HttpResponseData> }));
    }
  } catch (error) {
    for (const unbind of unbinds) unbind();
    throw error;
  }
  return () => { for (const unbind of unbinds) unbind(); };
}
