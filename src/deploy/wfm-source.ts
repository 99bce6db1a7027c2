import type { LogSink } from '../capabilities/provider.js';
import type { Clock } from '../ports/agent-ports.js';
import type { Agent } from './agent.js';
import { resolveDesired } from './desired-documents.js';
import type { DeploymentStatus } from './types.js';
import type { WfmClient } from './wfm-client.js';

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
}

/**
 * Follows a Margo fleet manager: reports the device's capabilities, polls the State Manifest,
 * applies every accepted manifest (a workload is removed only when absent from an accepted
 * manifest: a failed poll, a 304 or a refused version changes nothing), and posts each status.
 * A poll ends when the manifest is accepted and handed to the agent, not when its installs
 * finish: a stuck download never stops the next poll, whose newer manifest supersedes it.
 * Each YAML must declare the deployment id of its manifest entry, or the manifest is refused.
 */
export function followFleetManager(options: WfmSourceOptions): {
  poll(): Promise<void>;
  reportStatus(s: DeploymentStatus): void;
  /** Reports changed capabilities (a peer came or went) with PUT. */
  updateCapabilities(capabilities: Record<string, unknown>): void;
  close(): void;
} {
  const { client, agent, log } = options;
  const say = (level: 'info' | 'warn' | 'error', message: string) => log({ workload: 'agent', level, context: 'fleet-manager', message });
  let polling: Promise<void> | undefined;
  let reports = Promise.resolve();

  async function pollOnce(): Promise<void> {
    const source = agent.source();
    const result = await client.pollDeployments({
      lastManifestVersion: source.manifestVersion === undefined ? undefined : BigInt(source.manifestVersion),
      lastEtag: source.etag,
    });
    if (!result.changed) return;
    const sources = result.deployments.map((d) => ({ source: `${d.deploymentId}.yaml`, text: d.yaml, deploymentId: d.deploymentId }));
    const desired = resolveDesired(sources, options.baseUrl, { remote: true });
    say('info', `accepted manifest version ${result.manifestVersion} with ${desired.length} deployment(s)`);
    void agent.apply(desired, { manifestVersion: String(result.manifestVersion), etag: result.etag })
      .catch((error: Error) => say('error', `applying manifest version ${result.manifestVersion}: ${error.message}`));
  }

  /** The last refusal logged: the same refusal on every poll is logged once, until it changes. */
  let lastRefusal: string | undefined;
  const poll = () =>
    (polling ??= pollOnce()
      .then(() => (lastRefusal = undefined))
      .catch((error: Error) => {
        if (error.message === lastRefusal) return;
        lastRefusal = error.message;
        say('warn', `${error.message} (keeping the previous desired state)`);
      })
      .finally(() => (polling = undefined)));

  client.reportCapabilities(options.deviceId, options.capabilities).catch((e: Error) => say('warn', `capabilities not reported: ${e.message}`));
  const stop = options.clock.setInterval(() => void poll(), options.pollMs);
  return {
    poll,
    reportStatus(status) {
      reports = reports.then(() => client.reportStatus(status)).catch((e: Error) => say('warn', `status not reported: ${e.message}`));
    },
    updateCapabilities(capabilities) {
      reports = reports
        .then(() => client.updateCapabilities(options.deviceId, capabilities))
        .catch((e: Error) => say('warn', `capabilities not updated: ${e.message}`));
    },
    close() {
      stop();
      client.abort?.();
    },
  };
}
