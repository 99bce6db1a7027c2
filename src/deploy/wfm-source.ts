import type { LogSink } from '../capabilities/provider.js';
import type { Clock } from '../ports/agent-ports.js';
import type { Agent } from './agent.js';
import { resolveDesired } from './desired-documents.js';
import type { DeploymentStatus } from './types.js';
import { problemOf, type WfmClient } from './wfm-client.js';
import { backoffDelay, mayRetry, type WfmProblem } from './wfm-problem.js';
import { childOf, childPlacementError, deploymentTarget, type ChildPresence } from './wfm-children.js';

/** What following a fleet manager needs. */
export interface WfmSourceOptions {
  client: WfmClient;
  agent: Agent;
  deviceId: string;
  /** The fleet manager's URL (deployments from it must name package URLs, never local paths). */
  baseUrl: string;
  /** The device capabilities manifest to report at start. */
  capabilities: Record<string, unknown>;
  pollMs: number;
  clock: Clock;
  log: LogSink;
  /** Longest wait between attempts after failures (default 10 × pollMs, at least 60 s). */
  maxBackoffMs?: number;
  /** Uniform in [0, 1) for backoff jitter (default Math.random; tests inject one). */
  random?: () => number;
  /** Whether a child device (an embedded peer, by id) is online, known but offline, or unknown (default: unknown). */
  childPresence?: (peer: string) => ChildPresence;
}

/** What a followed fleet manager lets the device do besides polling. */
export interface FleetFollower {
  /** Polls now (unless a poll is running or a server-asked wait has not passed). */
  poll(): Promise<void>;
  /** Reports a deployment status with the adopted manifest version; retried while retryable. */
  reportStatus(s: DeploymentStatus): void;
  /** Reports changed capabilities of this device (PUT). */
  updateCapabilities(capabilities: Record<string, unknown>): void;
  /**
   * The devices behind this gateway (its online embedded peers), by child id (`<peer>`), each
   * with its DeviceCapabilitiesManifest: new or changed ones are PUT as `<device>/<peer>`,
   * ones no longer listed are DELETEd.
   */
  setChildren(children: ReadonlyMap<string, Record<string, unknown>>): void;
  /** Resolves when every queued report was sent or dropped (tests). */
  settled(): Promise<void>;
  close(): void;
}

interface Report { key: string; send(): Promise<void>; what: string; child?: boolean; gatewayAgain?: boolean }

/**
 * Follows a Margo fleet manager: reports the device's capabilities, polls the State Manifest,
 * applies every accepted manifest (a workload is removed only when absent from an accepted
 * manifest: a failed poll, a 304 or a refused version changes nothing), and posts each status.
 * A poll ends when the manifest is accepted and handed to the agent, not when its installs
 * finish. Failed calls back off: never sooner than the server's Retry-After, exponentially
 * with jitter otherwise; a non-retryable refusal of a report (400, 403, 422) drops it.
 */
export function followFleetManager(options: WfmSourceOptions): FleetFollower {
  const { client, agent, log, clock } = options;
  const random = options.random ?? Math.random;
  const maxMs = options.maxBackoffMs ?? Math.max(60_000, 10 * options.pollMs);
  const say = (level: 'info' | 'warn' | 'error', message: string) => log({ workload: 'agent', level, context: 'fleet-manager', message });
  let polling: Promise<void> | undefined;
  let pollFailures = 0;
  /** The regular cadence: the interval's tick polls from then on. */
  let nextPollAt = 0;
  /** A backoff (failures, Retry-After): no poll at all before then. */
  let backoffUntil = 0;

  async function pollOnce(): Promise<void> {
    const source = agent.source();
    const result = await client.pollDeployments({
      lastManifestVersion: source.manifestVersion === undefined ? undefined : BigInt(source.manifestVersion),
      lastEtag: source.etag,
    });
    if (!result.changed) return;
    const sources = result.deployments.map((d) => ({ source: `${d.deploymentId}.yaml`, text: d.yaml, deploymentId: d.deploymentId }));
    const resolved = resolveDesired(sources, options.baseUrl, { remote: true });
    const targets = new Map(result.deployments.map((d) => [d.deploymentId, childOf(deploymentTarget(d.yaml), options.deviceId)]));
    const desired = resolved.filter((d) => targets.get(d.id) === undefined);
    forChildren = resolved.filter((d) => targets.get(d.id) !== undefined)
      .map((d) => ({ id: d.id, child: targets.get(d.id)!, components: d.components.map((c) => c.name), version: result.manifestVersion }));
    childCodes.clear();
    const { bundle, single, cached } = result.fetched;
    say('info', `accepted manifest version ${result.manifestVersion} with ${desired.length} deployment(s)${forChildren.length ? ` and ${forChildren.length} for child devices` : ''} (YAMLs: ${bundle} from the bundle, ${single} fetched, ${cached} unchanged)`);
    reportChildDeployments();
    void agent.apply(desired, { manifestVersion: String(result.manifestVersion), etag: result.etag })
      .catch((error: Error) => say('error', `applying manifest version ${result.manifestVersion}: ${error.message}`));
  }

  /** Deployments of the last accepted manifest addressed to child devices, and the code last reported for each. */
  let forChildren: { id: string; child: string; components: string[]; version: bigint }[] = [];
  const childCodes = new Map<string, string>();

  /** Reports each child deployment's placement failure (101/102/103) when it is new or changed. */
  function reportChildDeployments(): void {
    for (const d of forChildren) {
      const error = childPlacementError(d.child, d.child === '*' ? 'unknown' : options.childPresence?.(d.child) ?? 'unknown');
      if (childCodes.get(d.id) === error.code) continue;
      childCodes.set(d.id, error.code);
      const status: DeploymentStatus = {
        deploymentId: d.id, deviceId: d.child === '*' ? options.deviceId : `${options.deviceId}/${d.child}`,
        status: { state: 'failed', error }, components: d.components.map((name) => ({ name, state: 'failed', error })),
      };
      enqueue({ key: `status:${d.id}`, what: `status of ${d.id}`, send: () => client.reportStatus(status, d.version) });
    }
  }

  /** When to try again after `failures` failures ending with `error`. */
  function retryDelay(failures: number, error: unknown): number {
    const problem = problemOf(error);
    if (problem && !mayRetry(problem)) return Math.max(maxMs, problem.retryAfterMs ?? 0);
    return backoffDelay(failures, problem, { baseMs: options.pollMs, maxMs, random });
  }

  /** The last refusal logged: the same refusal on every poll is logged once, until it changes. */
  let lastRefusal: string | undefined;
  const poll = () => {
    if (clock.now() < backoffUntil) return polling ?? Promise.resolve();
    return (polling ??= pollOnce()
      .then(() => {
        lastRefusal = undefined;
        pollFailures = 0;
        nextPollAt = clock.now() + options.pollMs;
      })
      .catch((error: Error) => {
        // A fleet manager that answered with a wrong manifest is polled at the normal pace;
        // one that failed to answer (network, 5xx, 429, 403, 406) is backed off.
        const answered = (error as { code?: string }).code === 'bad-input';
        pollFailures = answered ? 0 : pollFailures + 1;
        nextPollAt = clock.now() + options.pollMs;
        if (!answered) backoffUntil = clock.now() + retryDelay(pollFailures, error);
        if (error.message === lastRefusal) return;
        lastRefusal = error.message;
        say('warn', `${error.message} (keeping the previous desired state)`);
      })
      .finally(() => (polling = undefined)));
  };

  // Reports: the newest one per key waits in `outbox`, sent in order; a retryable failure holds
  // the whole outbox until its backoff passes (the fleet manager asked everyone to wait).
  const outbox = new Map<string, Report>();
  let reportFailures = 0;
  let nextReportAt = 0;
  let flushing: Promise<void> | undefined;
  const children = new Map<string, string>();

  function enqueue(report: Report): void {
    outbox.delete(report.key);
    outbox.set(report.key, report);
    if (!flushing) void flush();
  }

  function flush(): Promise<void> {
    if (flushing || clock.now() < nextReportAt) return flushing ?? Promise.resolve();
    return (flushing = (async () => {
      while (outbox.size && clock.now() >= nextReportAt) {
        const report = outbox.values().next().value as Report;
        try {
          await report.send();
          reportFailures = 0;
          if (outbox.get(report.key) === report) outbox.delete(report.key);
        } catch (error) {
          handleReportFailure(report, error as Error);
        }
      }
    })().finally(() => (flushing = undefined)));
  }

  /** Drops a refused report, puts the gateway before a child it was refused for, or backs off. */
  function handleReportFailure(report: Report, error: Error): void {
    const problem: WfmProblem | undefined = problemOf(error);
    const drop = () => outbox.get(report.key) === report && outbox.delete(report.key);
    if (problem?.status === 404 && report.child && !report.gatewayAgain) {
      // rc.3: a 404 on a child's PUT means the fleet manager knows no such gateway: report it first.
      say('warn', `${report.what}: ${error.message}; reporting the gateway ${options.deviceId} again first`);
      report.gatewayAgain = true;
      enqueueSelf(selfCapabilities);
      return;
    }
    if (problem && (!mayRetry(problem) || report.child && problem.status === 404)) {
      say('warn', `${report.what} refused, not retried: ${error.message}`);
      drop();
      return;
    }
    reportFailures++;
    nextReportAt = clock.now() + backoffDelay(reportFailures, problem, { baseMs: options.pollMs, maxMs, random });
    say('warn', `${report.what} not sent, retrying in ${Math.round((nextReportAt - clock.now()) / 1000)} s: ${error.message}`);
  }

  let selfCapabilities = options.capabilities;
  function enqueueSelf(capabilities: Record<string, unknown>): void {
    selfCapabilities = capabilities;
    const key = `caps:${options.deviceId}`;
    const report = { key, what: `capabilities of ${options.deviceId}`, send: () => client.putCapabilities(options.deviceId, capabilities) };
    // The gateway goes first: a child reported before it would be refused (404).
    const rest = [...outbox.values()].filter((r) => r.key !== key);
    outbox.clear();
    outbox.set(key, report);
    for (const r of rest) outbox.set(r.key, r);
    if (!flushing) void flush();
  }

  enqueueSelf(options.capabilities);
  const stop = clock.setInterval(() => {
    if (clock.now() >= nextPollAt) void poll();
    if (outbox.size) void flush();
  }, Math.min(options.pollMs, 1000));

  return {
    poll,
    reportStatus(status) {
      const adopted = agent.source().manifestVersion;
      if (adopted === undefined) return say('info', `status of ${status.deploymentId} not reported: no manifest adopted yet`);
      enqueue({ key: `status:${status.deploymentId}`, what: `status of ${status.deploymentId}`, send: () => client.reportStatus(status, BigInt(adopted)) });
    },
    updateCapabilities: enqueueSelf,
    setChildren(next) {
      for (const [peer, manifest] of next) {
        const text = JSON.stringify(manifest);
        if (children.get(peer) === text) continue;
        children.set(peer, text);
        const id = `${options.deviceId}/${peer}`;
        enqueue({ key: `caps:${id}`, what: `capabilities of ${id}`, child: true, send: () => client.putCapabilities(id, manifest) });
      }
      for (const peer of [...children.keys()].filter((p) => !next.has(p))) {
        children.delete(peer);
        const id = `${options.deviceId}/${peer}`;
        enqueue({ key: `caps:${id}`, what: `deregistration of ${id}`, send: () => client.deleteCapabilities(id) });
      }
      reportChildDeployments();
    },
    async settled() {
      while (flushing) await flushing;
    },
    close() {
      stop();
      client.abort?.();
    },
  };
}
