import type { WorkloadDetails } from './workload-activity.js';
import type { WorkloadMemory } from '../runtime/workload-memory.js';
import type { Host } from '../create-host.js';
import type { LogSink } from '../capabilities/provider.js';
import type { AgentState, AgentStateStore, Clock, ComponentStore, InstalledDeployment, PackageFetcher } from '../ports/agent-ports.js';
import type { CancelSignal } from '../ports/http-client.js';
import { createCanceller } from './cancel.js';
import { WasmhostError } from '../errors.js';
import { fingerprint, plan, type Action } from './plan.js';
import type { RunContext, RunningComponent } from './run-deployment.js';
import { ComponentFailure, statusError } from './component-failure.js';
import { lazy } from '../lazy.js';
import type { DeploymentState, DeploymentStatus, DesiredDeployment, StatusError } from './types.js';
import type { StepProgress } from './progress.js';

/** What an agent is built from: a host, the ports it acts through, and who hears about status changes. */
export interface AgentOptions {
  host: Host;
  deviceId: string;
  fetcher: PackageFetcher;
  components: ComponentStore;
  state: AgentStateStore;
  clock: Clock;
  log: LogSink;
  /** Told of every status change (a fleet-manager client posts it). */
  onStatus?: (status: DeploymentStatus) => void;
  /** Samples a local sensor, for `reading` triggers. */
  readSensor?: RunContext['readSensor'];
  /** Readings pushed by peers (`<peer>/<sensor>`), for `reading` triggers on peer sensors. */
  subscribeReadings?: RunContext['subscribeReadings'];
  /**
   * Which peers are online. A deployment whose grants name a `<peer>/…` sensor or actuator
   * waits (status `pending`) until that peer is online, and goes back to waiting when it leaves.
   * Absent: no peers, and such deployments install as before.
   */
  peers?: PeerPresence;
  /** The device profile to match each component against before it starts (see RunContext.profile). */
  profile?: RunContext['profile'];
  /** The routes of the agent's HTTP listener, for `http` triggers (see RunContext.http). */
  http?: RunContext['http'];
  /** Told of long steps of installs (slow downloads, transpiles) as they go, throttled: the CLI prints them. */
  onProgress?: (p: StepProgress) => void;
}

/** Which peers are online, and a way to hear when that changes (the bridge's registry, on a device). */
export interface PeerPresence {
  online(peer: string): boolean;
  onChange(listener: () => void): () => void;
}

/** The peers a deployment's grants name: `<peer>/<name>` entries whose peer part is not a pattern. */
export function peersNeeded(d: DesiredDeployment): string[] {
  const names = d.components.flatMap((c) => [...(c.grants.sensors ?? []), ...(c.grants.actuators ?? [])]);
  const peers = names.map((n) => (n.indexOf('/') > 0 ? n.slice(0, n.indexOf('/')) : '')).filter((p) => p && !p.includes('*'));
  return [...new Set(peers)].sort();
}

/** One running workload, for the status endpoint. */
export interface WorkloadInfo {
  deployment: string; component: string; version: string; restarts: number; lastError?: string; dead: boolean; details?: WorkloadDetails;
  /** Its linear memories (and worker heap, where measured) against its cap. */
  memory?: WorkloadMemory;
}

/** The device agent: seeks the desired state, remembers it across restarts, reports Margo statuses. */
export interface Agent {
  /**
   * Restores the persisted state and restarts what was installed (from the component store,
   * no fetch). Unfinished work (installs accepted but not done) is queued behind it and does
   * not delay the returned promise; with `deferResume` it waits for `resume()` or the next
   * `apply`, so a fleet manager is polled before an old install can start.
   */
  start(options?: { deferResume?: boolean }): Promise<void>;
  /** Queues the unfinished work of the current desired state (see `start`). */
  resume(): Promise<void>;
  /**
   * Makes the device run exactly `desired`. The desired state and `source` are recorded at
   * once (so `source()` answers the next poll); an install still in progress for an older
   * desired state is aborted (its download stopped), then the changes run one at a time.
   * Resolves when this desired state is reached, or when a newer one supersedes it.
   */
  apply(desired: DesiredDeployment[], source?: AgentState['source']): Promise<void>;
  /** Resolves when the queued work is done (tests, shutdown). */
  idle(): Promise<void>;
  statuses(): DeploymentStatus[];
  workloads(): WorkloadInfo[];
  /**
   * Restarts an installed deployment: stops its instances and starts them again from the
   * spec they run (no fetch), with fresh restart counts and backoff. Queued behind other work;
   * rejects (`bad-input`) if it is not installed.
   */
  restart(deploymentId: string): Promise<void>;
  /** The long steps under way now (one per deployment at most), for the console. */
  progress(): StepProgress[];
  /** The source bookkeeping last accepted (fleet-manager manifest version and ETag). */
  source(): AgentState['source'];
  /** Aborts work in progress and stops every workload (the state stays, so the next start resumes). */
  stop(): void;
}

/** Builds an agent. Nothing runs until `start`. */
export function createAgent(options: AgentOptions): Agent {
  // The deployment runner and the component machinery it uses load with the first deployment.
  const runner = lazy(() => import('./run-deployment.js'));
  const startDeployment: typeof import('./run-deployment.js').startDeployment = async (...args) => (await runner()).startDeployment(...args);
  let state: AgentState = { desired: [], installed: [], statuses: [], source: {} };
  const running = new Map<string, { spec: DesiredDeployment; components: RunningComponent[] }>();
  let queue = Promise.resolve();
  /** Cancelled when a newer desired state arrives or the agent stops: aborts downloads of the older one. */
  let current = createCanceller();
  let stopped = false;
  /** The step under way per deployment (a slow download, a transpile), dropped when it ends. */
  const steps = new Map<string, StepProgress>();
  const ctx: RunContext = {
    host: options.host, fetcher: options.fetcher, components: options.components, clock: options.clock, log: options.log,
    readSensor: options.readSensor, subscribeReadings: options.subscribeReadings, profile: options.profile, http: options.http,
    progress: (p) => {
      if (p.done) steps.delete(p.deploymentId);
      else steps.set(p.deploymentId, p);
      options.onProgress?.(p);
    },
  };
  /** Deployments waiting for a peer (desired, not installed, status `pending`). */
  const waiting = new Set<string>();
  const missingPeers = (d: DesiredDeployment) => (options.peers ? peersNeeded(d).filter((p) => !options.peers!.online(p)) : []);
  const waitingError = (missing: string[]): StatusError => ({
    code: 'unavailable', source: 'agent', message: `waiting for peer${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
  });

  async function setStatus(d: { id: string; components: { name: string }[] }, state_: DeploymentState, error?: StatusError, failed?: ComponentFailure): Promise<void> {
    const status: DeploymentStatus = {
      deploymentId: d.id,
      deviceId: options.deviceId,
      status: error ? { state: state_, error } : { state: state_ },
      components: d.components.map((c) =>
        failed?.component === c.name ? { name: c.name, state: 'failed', error: failed.error } : { name: c.name, state: state_ === 'failed' && failed ? 'pending' : state_ },
      ),
    };
    state.statuses = [...state.statuses.filter((s) => s.deploymentId !== d.id), status];
    if (state_ !== 'installing') steps.delete(d.id);
    const telemetry = options.host.telemetry;
    if (telemetry.enabled) {
      telemetry.log(error ? 'error' : 'info', `deployment ${d.id} ${state_}${error ? `: ${error.message}` : ''}`, { 'wasmhost.deployment': d.id, 'wasmhost.state': state_ });
    }
    await options.state.save(state);
    options.onStatus?.(status);
  }

  /** Stops a deployment that lost a peer (or cannot start without one) and marks it `pending`. */
  async function park(d: DesiredDeployment, missing: string[]): Promise<void> {
    for (const c of running.get(d.id)?.components ?? []) c.stop();
    running.delete(d.id);
    state.installed = state.installed.filter((i) => i.id !== d.id);
    waiting.add(d.id);
    await setStatus(d, 'pending', waitingError(missing));
  }

  async function install(d: DesiredDeployment, signal: CancelSignal, replacing?: InstalledDeployment): Promise<void> {
    const missing = missingPeers(d);
    if (missing.length > 0) return park(d, missing);
    waiting.delete(d.id);
    await setStatus(d, replacing ? 'installing' : 'pending');
    if (!replacing) await setStatus(d, 'installing');
    let components: RunningComponent[];
    const telemetry = options.host.telemetry;
    const span = telemetry.startSpan('deploy', { attributes: { 'wasmhost.deployment': d.id, 'wasmhost.deployment.version': d.version } });
    try {
      components = await startDeployment(ctx, d, signal, span);
      span.end();
    } catch (error) {
      span.end(error);
      if (signal.aborted) return superseded(d);
      const failure = error instanceof ComponentFailure ? error : new ComponentFailure('(deployment)', statusError(error, 'agent'));
      const kept = replacing ? ` (version ${replacing.version} keeps running)` : '';
      await setStatus(d, 'failed', { ...failure.error, message: `${failure.component}: ${failure.error.message}${kept}` }, failure);
      return;
    }
    if (signal.aborted) {
      for (const c of components) c.stop();
      return superseded(d);
    }
    const old = running.get(d.id);
    running.set(d.id, { spec: d, components });
    for (const c of old?.components ?? []) c.stop();
    state.installed = [...state.installed.filter((i) => i.id !== d.id), { id: d.id, version: d.version, fingerprint: fingerprint(d), spec: d }];
    await setStatus(d, 'installed');
  }

  /** An install cut short by a newer desired state (which decides what happens to it) or by a stop. */
  function superseded(d: DesiredDeployment): void {
    const why = stopped ? 'the agent is stopping' : 'a newer desired state arrived';
    options.log({ workload: d.id, level: 'info', context: 'agent', message: `install of version ${d.version} abandoned: ${why}` });
  }

  async function remove(id: string): Promise<void> {
    const installed = state.installed.find((i) => i.id === id);
    const shape = { id, components: installed?.spec.components ?? [] };
    await setStatus(shape, 'removing');
    for (const c of running.get(id)?.components ?? []) c.stop();
    running.delete(id);
    for (const c of shape.components) options.host.display.removeWorkload(`${id}/${c.name}`);
    state.installed = state.installed.filter((i) => i.id !== id);
    await setStatus(shape, 'removed');
  }

  /** After a peer change: park installed deployments that lost a peer, install those whose peers are back. */
  async function reconcilePeers(): Promise<void> {
    for (const i of [...state.installed]) {
      const missing = missingPeers(i.spec);
      if (missing.length > 0) await park(i.spec, missing);
    }
    const { signal } = current;
    for (const action of plan(state.desired, state.installed)) {
      // Only what waits for a peer: a failed deployment is not retried because some peer came or went.
      if (signal.aborted) return;
      if (action.kind !== 'install' || !waiting.has(action.deployment.id)) continue;
      const missing = missingPeers(action.deployment);
      if (missing.length === 0) await execute(action, signal);
      else if (state.statuses.find((s) => s.deploymentId === action.deployment.id)?.status.error?.message !== waitingError(missing).message) {
        await setStatus(action.deployment, 'pending', waitingError(missing));
      }
    }
  }

  /** Desired no more while waiting for a peer or after failing to install: it does not run, so it is simply removed. */
  async function dropNotRunning(desired: DesiredDeployment[]): Promise<void> {
    for (const status of [...state.statuses]) {
      const id = status.deploymentId;
      if (status.status.state === 'removed' || desired.some((d) => d.id === id) || state.installed.some((i) => i.id === id)) continue;
      waiting.delete(id);
      await setStatus({ id, components: status.components }, 'removed');
    }
  }

  async function execute(action: Action, signal: CancelSignal): Promise<void> {
    if (action.kind === 'remove') return remove(action.id);
    return install(action.deployment, signal, action.kind === 'update' ? state.installed.find((i) => i.id === action.from.id) : undefined);
  }

  /** Moves toward the current desired state, one action at a time, until done or `signal` fires. */
  async function reconcile(signal: CancelSignal): Promise<void> {
    if (signal.aborted) return;
    await options.state.save(state);
    await dropNotRunning(state.desired);
    for (const action of plan(state.desired, state.installed)) {
      if (signal.aborted) return;
      await execute(action, signal);
    }
  }

  function enqueue(work: () => Promise<void>): Promise<void> {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  }

  async function restartInstalled(id: string): Promise<void> {
    const installed = state.installed.find((i) => i.id === id);
    if (!installed) throw new WasmhostError('bad-input', `cannot restart ${id}: it is not installed on this device (see its status)`);
    for (const c of running.get(id)?.components ?? []) c.stop();
    running.delete(id);
    options.log({ workload: id, level: 'info', context: 'agent', message: `restarting version ${installed.version} on request` });
    await setStatus(installed.spec, 'installing');
    try {
      running.set(id, { spec: installed.spec, components: await startDeployment(ctx, installed.spec, current.signal) });
    } catch (error) {
      const failure = error instanceof ComponentFailure ? error : new ComponentFailure('(deployment)', statusError(error, 'agent'));
      state.installed = state.installed.filter((i) => i.id !== id);
      await setStatus(installed.spec, 'failed', { ...failure.error, message: `${failure.component}: ${failure.error.message}` }, failure);
      return;
    }
    await setStatus(installed.spec, 'installed');
  }

  const stopGauge = options.host.telemetry.observe('wasmhost.workloads', () => [...running.values()].reduce((n, r) => n + r.components.filter((c) => !c.dead).length, 0));
  const logFailure = (e: Error) => options.log({ workload: 'agent', level: 'error', context: 'agent', message: e.message });
  const stopPeers = options.peers?.onChange(() => void enqueue(reconcilePeers).catch((e: Error) =>
    options.log({ workload: 'agent', level: 'error', context: 'agent', message: `peer change: ${e.message}` })));

  const agent: Agent = {
    start: async (startOptions = {}) => {
      await enqueue(async () => {
        state = (await options.state.load()) ?? state;
        // What ran before the restart runs again from its own spec (no fetch: the component store has it).
        for (const i of [...state.installed]) {
          const missing = missingPeers(i.spec);
          if (missing.length > 0) {
            await park(i.spec, missing);
            continue;
          }
          try {
            running.set(i.id, { spec: i.spec, components: await startDeployment(ctx, i.spec, current.signal) });
          } catch (error) {
            state.installed = state.installed.filter((x) => x.id !== i.id);
            options.log({ workload: i.id, level: 'error', context: 'agent', message: `could not restart: ${(error as Error).message}` });
          }
        }
      });
      if (!startOptions.deferResume) void agent.resume().catch(logFailure);
    },
    resume: () => {
      const { signal } = current;
      return enqueue(() => reconcile(signal));
    },
    apply: (desired, source) => {
      if (stopped) return Promise.resolve();
      current.cancel();
      current = createCanceller();
      const { signal } = current;
      state.desired = desired;
      if (source) state.source = source;
      return enqueue(() => reconcile(signal));
    },
    idle: () => queue,
    restart: (id) => (stopped ? Promise.resolve() : enqueue(() => restartInstalled(id))),
    statuses: () => state.statuses,
    workloads: () =>
      [...running.entries()].flatMap(([id, r]) =>
        r.components.map((c) => ({ deployment: id, component: c.name, version: r.spec.version, restarts: c.restarts, lastError: c.lastError, dead: c.dead, details: c.details(), memory: c.memory() })),
      ),
    progress: () => [...steps.values()],
    source: () => state.source,
    stop() {
      stopped = true;
      current.cancel();
      stopPeers?.();
      stopGauge();
      for (const r of running.values()) for (const c of r.components) c.stop();
      running.clear();
    },
  };
  return agent;
}
