import { WasmhostError } from '../errors.js';
import type { Host } from '../create-host.js';
import type { LogSink } from '../capabilities/provider.js';
import type { Clock, ComponentStore, PackageFetcher } from '../ports/agent-ports.js';
import { resolveExport } from '../runtime/export-path.js';
import { parseWaveArgs } from '../component/parse-call.js';
import { valueToJson } from '../component/json-values.js';
import type { Workload } from '../runtime/workload.js';
import type { DesiredDeployment, StatusError, WorkloadSpec } from './types.js';

/** What running one deployment needs from the agent. */
export interface RunContext {
  host: Host;
  fetcher: PackageFetcher;
  components: ComponentStore;
  clock: Clock;
  log: LogSink;
}

/** One component of a running deployment. */
export interface RunningComponent {
  readonly name: string;
  readonly workload: Workload;
  readonly restarts: number;
  readonly lastError?: string;
  stop(): void;
}

/** A failure while starting a component, with the component it belongs to. */
export class ComponentFailure extends Error {
  constructor(readonly component: string, readonly error: StatusError) {
    super(`${component}: ${error.message}`);
  }
}

/**
 * Starts every component of a deployment: bytes (from the component store, else fetched once
 * and digest-checked), load, grant check and instantiate, triggers. All or nothing: if one
 * component fails, those already started are stopped and a ComponentFailure says which and why.
 */
export async function startDeployment(ctx: RunContext, deployment: DesiredDeployment): Promise<RunningComponent[]> {
  const started: RunningComponent[] = [];
  try {
    for (const spec of deployment.components) started.push(await startComponent(ctx, deployment, spec));
    return started;
  } catch (error) {
    for (const c of started) c.stop();
    throw error instanceof ComponentFailure ? error : new ComponentFailure('(deployment)', statusError(error, 'agent'));
  }
}

async function startComponent(ctx: RunContext, deployment: DesiredDeployment, spec: WorkloadSpec): Promise<RunningComponent> {
  const fail = (error: unknown, source: string) => new ComponentFailure(spec.name, statusError(error, source));
  let bytes = await ctx.components.get(spec.digest);
  if (!bytes) {
    try {
      bytes = await ctx.fetcher.fetch(spec.packageLocation, deployment.base);
    } catch (error) {
      throw fail(error, 'fetch');
    }
  }
  let component;
  try {
    component = await ctx.host.load(bytes);
  } catch (error) {
    throw fail(error, 'component');
  }
  if (component.digest !== spec.digest) {
    throw fail(new WasmhostError('bad-input', `digest mismatch: ${spec.packageLocation} is ${component.digest}, the deployment expects ${spec.digest}`), 'fetch');
  }
  await ctx.components.put(spec.digest, bytes);
  const name = `${deployment.id}/${spec.name}`;
  const instantiate = () => ctx.host.instantiate(component, { name, config: spec.config, grants: spec.grants });
  let workload: Workload;
  try {
    workload = await instantiate();
  } catch (error) {
    throw fail(error, 'match');
  }
  let restarts = 0;
  let lastError: string | undefined;
  const stops: (() => void)[] = [];
  for (const trigger of spec.triggers) {
    if (trigger.kind === 'message') continue; // bound by the host when the grants subscribe to topics
    if (trigger.kind === 'reading') throw fail(new WasmhostError('unsupported', 'reading triggers need the MQTT bridge, which this host does not run yet'), 'trigger');
    let entry;
    let args: unknown[];
    try {
      entry = resolveExport(component.world, trigger.export);
      args = parseWaveArgs(trigger.args ?? [], entry.function.params);
    } catch (error) {
      workload.close();
      throw fail(error, 'trigger');
    }
    const { path, function: fn } = entry;
    let restarting = false;
    stops.push(ctx.clock.setInterval(() => {
      if (restarting) return;
      try {
        const result = workload.call(path, ...args);
        if (trigger.output && fn.result) {
          ctx.host.bus.publish(trigger.output, new TextEncoder().encode(JSON.stringify(valueToJson(result, fn.result))), { contentType: 'application/json' });
        }
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        ctx.log({ workload: name, level: 'error', context: 'trigger', message: lastError });
        if (!workload.dead) return;
        // A trapped instance is replaced by a fresh one; its state is gone, the deployment keeps serving.
        restarting = true;
        instantiate().then(
          (fresh) => { workload = fresh; restarts++; restarting = false; },
          (e) => { lastError = String(e); restarting = false; },
        );
      }
    }, trigger.everyMs));
  }
  return {
    name: spec.name,
    get workload() { return workload; },
    get restarts() { return restarts; },
    get lastError() { return lastError; },
    stop() {
      for (const stop of stops) stop();
      workload.close();
    },
  };
}

/** A status error from whatever was thrown. */
export function statusError(error: unknown, source: string): StatusError {
  if (error instanceof WasmhostError) return { code: error.code, source, message: error.message };
  return { code: 'internal', source, message: error instanceof Error ? error.message : String(error) };
}
