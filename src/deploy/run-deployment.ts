import { createCallActivity, workloadDetails, type WorkloadDetails } from './workload-activity.js';
import { describeMatchProblem, match } from '../device/match.js';
import type { DeviceProfile } from '../device/profile.js';
import { WasmhostError } from '../errors.js';
import type { Host } from '../create-host.js';
import type { LogSink } from '../capabilities/provider.js';
import type { Clock, ComponentStore, PackageFetcher } from '../ports/agent-ports.js';
import type { CancelSignal } from '../ports/http-client.js';
import { resolveExport } from '../runtime/export-path.js';
import { parseWaveArgs } from '../component/parse-call.js';
import { valueToJson } from '../component/json-values.js';
import { findEngineProblems } from '../component/engine-support.js';
import { startLiveWorkload, type LiveWorkload } from './live-workload.js';
import { ComponentFailure, statusError } from './component-failure.js';
import type { HttpRouter } from '../runtime/http-router.js';
import { bindHttpTriggers, httpTriggers } from './http-trigger.js';
import type { DesiredDeployment, StatusError, WorkloadSpec } from './types.js';
import type { Telemetry, TelemetrySpan } from '../telemetry/telemetry.js';
import type { WorkloadMemory } from '../runtime/workload-memory.js';
import { fetchText, formatBytes, formatSeconds, packageName, trackStep, transpileText, type StepProgress, type StepTracker } from './progress.js';

/** What running one deployment needs from the agent. */
export interface RunContext {
  host: Host;
  fetcher: PackageFetcher;
  components: ComponentStore;
  clock: Clock;
  log: LogSink;
  /** Samples a local sensor for `reading` triggers; absent on a device without local sensors. */
  readSensor?: (name: string) => SensorReading;
  /**
   * Readings pushed by a peer for `<peer>/<sensor>` (the bridge's data topic), for `reading`
   * triggers on peer sensors, which are fed by these instead of polled. Returns an unsubscribe.
   */
  subscribeReadings?: (sensor: string, listener: (reading: SensorReading) => void) => () => void;
  /** The device as matching sees it; when given, a component is matched against it (imports and grants) before it starts. */
  profile?: () => DeviceProfile;
  /** The routes of the agent's HTTP listener, for `http` triggers; absent: the agent serves no HTTP. */
  http?: HttpRouter;
  /** Hears long steps (a slow download, a transpile) as they go, throttled (progress.ts). */
  progress?: (p: StepProgress) => void;
}

/** A `<peer>/<sensor>` name (served by a peer), as opposed to a local sensor's. */
export const isPeerSensor = (name: string) => name.indexOf('/') > 0;

/** A reading as `wasmhost:device/types.reading` holds it, in jco's shape. */
export interface SensorReading { value: number; unit: string; timestampMs: bigint }

/** One component of a running deployment. */
export interface RunningComponent {
  readonly name: string;
  readonly dead: boolean;
  readonly restarts: number;
  readonly lastError?: string;
  /** What the console shows of it: grants, triggers, limits, trigger calls. */
  details(): WorkloadDetails;
  /** Its memory now, against its cap. */
  memory(): WorkloadMemory;
  stop(): void;
}

/**
 * Starts every component of a deployment: bytes (from the component store, else fetched once
 * and digest-checked), load, grant check and instantiate, triggers. All or nothing: if one
 * component fails, those already started are stopped and a ComponentFailure says which and why.
 */
export async function startDeployment(ctx: RunContext, deployment: DesiredDeployment, signal?: CancelSignal, span?: TelemetrySpan): Promise<RunningComponent[]> {
  const started: RunningComponent[] = [];
  try {
    for (const spec of deployment.components) started.push(await startComponent(ctx, deployment, spec, signal, span));
    return started;
  } catch (error) {
    for (const c of started) c.stop();
    throw error instanceof ComponentFailure ? error : new ComponentFailure('(deployment)', statusError(error, 'agent'));
  }
}

async function startComponent(ctx: RunContext, deployment: DesiredDeployment, spec: WorkloadSpec, signal?: CancelSignal, span?: TelemetrySpan): Promise<RunningComponent> {
  const fail = (error: unknown, source: string) => new ComponentFailure(spec.name, statusError(error, source));
  const aborted = () => fail(new WasmhostError('io', 'aborted: a newer desired state arrived or the agent is stopping'), 'fetch');
  const telemetry = ctx.host.telemetry;
  let bytes = await ctx.components.get(spec.digest);
  // Superseded while the runner loaded or the store answered: no download is started for it.
  if (signal?.aborted) throw aborted();
  if (!bytes) {
    const fetching = telemetry.startSpan('fetch', { parent: span, attributes: { 'wasmhost.component': spec.name, 'wasmhost.package.location': spec.packageLocation } });
    const file = packageName(spec.packageLocation);
    const step = follow(ctx, deployment, spec, 'fetch', `fetching ${file}…`);
    try {
      bytes = await ctx.fetcher.fetch(spec.packageLocation, deployment.base, { signal, onProgress: step && ((received, total) => step.update(fetchText(file, received, total))) });
      fetching.setAttributes({ 'wasmhost.package.bytes': bytes.length });
      fetching.end();
      const size = bytes.length;
      step?.end((ms) => `fetched ${file} (${formatBytes(size)}) in ${formatSeconds(ms)}`);
    } catch (error) {
      fetching.end(error);
      step?.end(() => `fetching ${file} failed`);
      throw fail(error, 'fetch');
    }
  }
  if (signal?.aborted) throw aborted();
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
  const serveHttp = httpTriggers(spec).length > 0;
  if (serveHttp && !ctx.http) throw fail(new WasmhostError('unsupported', 'this agent has no HTTP listener for the http trigger; start it with --http-port <port>'), 'trigger');
  // What this engine cannot run (wasm-gc, the async ABI without JSPI, an HTTP handler without an http trigger) is refused before transpiling.
  const unrunnable = findEngineProblems(bytes, component.world, ctx.host.engineFeatures, undefined, serveHttp ? 'serve' : 'call');
  if (unrunnable.length > 0) {
    const reasons = unrunnable.map((p) => `${p.problem}; ${p.fix}`).join('; ');
    throw fail(new WasmhostError('unsupported', `${spec.name} cannot run on this device: ${reasons}`, { data: { problems: unrunnable } }), 'match');
  }
  if (ctx.profile) {
    const result = match(component.world, ctx.profile(), spec.grants);
    if (!result.compatible) {
      const reasons = result.problems.map((p) => describeMatchProblem(p).problem).join('; ');
      throw fail(new WasmhostError('unsupported', `${spec.name} cannot run on this device: ${reasons}`, { data: { problems: result.problems } }), 'match');
    }
  }
  const name = `${deployment.id}/${spec.name}`;
  let workload: LiveWorkload | undefined;
  let unbindHttp = () => {};
  try {
    // Routes are taken before the instance starts, so a conflict refuses the deployment at once.
    if (serveHttp) unbindHttp = bindHttpTriggers(ctx.http!, component, spec, name, (path, args) => (workload ? traceTrigger(telemetry, 'http', name, path, () => workload!.call(path, args)) : notStarted(name)));
  } catch (error) {
    throw fail(error, 'trigger');
  }
  // A transpile of this component (not in the artifact cache) is a long step of its own.
  const stopHearing = ctx.progress ? ctx.host.onTranspile(({ digest, bytes: size }) => {
    if (digest !== component.digest) return;
    const step = follow(ctx, deployment, spec, 'transpile', transpileText(digest, size))!;
    return (error) => step.end((ms) => (error ? `transpiling ${spec.name} failed` : `transpiled ${spec.name} in ${formatSeconds(ms)}`));
  }) : () => {};
  try {
    workload = await startLiveWorkload(ctx.host, component, spec, name, ctx.clock, span);
  } catch (error) {
    unbindHttp();
    throw fail(error, 'match');
  } finally {
    stopHearing();
  }
  const stops: (() => void)[] = [unbindHttp];
  const activity = createCallActivity(() => ctx.clock.now());
  for (const trigger of spec.triggers) {
    if (trigger.kind === 'message' || trigger.kind === 'http') continue; // message: bound by the host when the grants subscribe to topics
    let entry;
    let args: unknown[] = [];
    try {
      entry = resolveExport(component.world, trigger.export);
      if (trigger.kind === 'interval') args = parseWaveArgs(trigger.args ?? [], entry.function.params);
      else if (trigger.sensors.some((s) => !isPeerSensor(s)) && !ctx.readSensor) {
        throw new WasmhostError('unsupported', 'this device has no local sensors to sample for a reading trigger');
      } else if (trigger.sensors.some(isPeerSensor) && !ctx.subscribeReadings) {
        throw new WasmhostError('unsupported', 'this device has no bridge to peers to feed a reading trigger on a <peer>/<sensor>');
      } else if (entry.function.params.length !== 2) throw new WasmhostError('bad-input', `${entry.path} must take (sensor: string, reading: reading) to serve a reading trigger`);
    } catch (error) {
      unbindHttp();
      workload.close();
      throw fail(error, 'trigger');
    }
    const { path, function: fn } = entry;
    const logError = (error: unknown) => ctx.log({ workload: name, level: 'error', context: 'trigger', message: error instanceof Error ? error.message : String(error) });
    // Outputs are JSON text by definition; no content type is sent, since an MQTT 3.1.1 bus cannot carry one.
    const fire = (callArgs: unknown[]) => {
      const startedAt = ctx.clock.now();
      return traceTrigger(telemetry, trigger.kind, name, path, () => workload.call(path, callArgs)).then((result) => {
        const json = () => (fn.result ? JSON.stringify(valueToJson(result, fn.result)) : '(no result)');
        activity.record(startedAt, true, json);
        if (trigger.output && fn.result) ctx.host.bus.publish(trigger.output, new TextEncoder().encode(json()));
      }, (error: unknown) => {
        activity.record(startedAt, false, error instanceof Error ? error.message : String(error));
        logError(error);
      });
    };
    const readSensor = ctx.readSensor;
    if (trigger.kind === 'interval') {
      stops.push(ctx.clock.setInterval(() => fire(args), trigger.everyMs));
      continue;
    }
    // Peer sensors push their readings; local ones are polled.
    for (const sensor of trigger.sensors.filter(isPeerSensor)) stops.push(ctx.subscribeReadings!(sensor, (reading) => fire([sensor, reading])));
    const local = trigger.sensors.filter((s) => !isPeerSensor(s));
    if (local.length === 0) continue;
    const tick = () => {
      for (const sensor of local) {
        let reading: SensorReading;
        try {
          reading = readSensor!(sensor);
        } catch (error) {
          ctx.log({ workload: name, level: 'warn', context: 'trigger', message: `cannot read ${sensor}: ${(error as Error).message}` });
          continue;
        }
        fire([sensor, reading]);
      }
    };
    stops.push(ctx.clock.setInterval(tick, trigger.everyMs ?? 1000));
  }
  return {
    name: spec.name,
    get dead() { return workload.dead; },
    get restarts() { return workload.restarts; },
    get lastError() { return workload.lastError; },
    details: () => workloadDetails(spec, activity.snapshot()),
    memory: () => workload.memory(),
    stop() {
      for (const stop of stops) stop();
      workload.close();
    },
  };
}

/** A tracker for a long step of `spec`'s install, or undefined when nobody listens. */
function follow(ctx: RunContext, deployment: DesiredDeployment, spec: WorkloadSpec, step: StepProgress['step'], text: string): StepTracker | undefined {
  return ctx.progress && trackStep(ctx.clock, ctx.progress, { deploymentId: deployment.id, component: spec.name, step }, text);
}

/** Runs a trigger's call inside a `trigger <kind>` span, which the call's span becomes a child of. */
function traceTrigger(telemetry: Telemetry, kind: string, workload: string, path: string, call: () => Promise<unknown>): Promise<unknown> {
  if (!telemetry.enabled) return call();
  const span = telemetry.startSpan(`trigger ${kind}`, { attributes: { 'wasmhost.workload': workload, 'wasmhost.export': path } });
  const result = telemetry.withSpan(span, call);
  result.then(() => span.end(), (error: unknown) => span.end(error));
  return result;
}

/** What a request that arrives while the instance is still starting gets (a 503). */
function notStarted(name: string): Promise<never> {
  return Promise.reject(new WasmhostError('trap', `${name} is still starting`, { data: { reason: 'restarting', restartInMs: 1000 } }));
}
