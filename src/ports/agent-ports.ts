import type { ActualDeployment } from '../deploy/plan.js';
import type { DeploymentStatus, DesiredDeployment } from '../deploy/types.js';
import type { CancelSignal } from './http-client.js';

/**
 * Gets a component package's bytes from its `packageLocation`: an https URL, or a path inside
 * the local desired-state folder `base` (never when `base` is a URL: a remote desired state
 * names remote locations only). Budgets: a total deadline and a byte cap enforced while the
 * bytes stream in; `signal` aborts the fetch (a newer desired state, a shutdown); `onProgress`
 * hears the bytes received so far and the declared total, as a download goes (optional for adapters).
 */
export interface PackageFetcher {
  fetch(location: string, base?: string, init?: { signal?: CancelSignal; onProgress?: (received: number, total?: number) => void }): Promise<Uint8Array>;
}

/** Component bytes kept by digest, so a restart never downloads a component again. */
export interface ComponentStore {
  get(digest: string): Promise<Uint8Array | undefined>;
  put(digest: string, bytes: Uint8Array): Promise<void>;
}

/** What the agent must remember across restarts (including `kill -9`). */
export interface AgentState {
  /** The desired deployments last accepted from a source. */
  desired: DesiredDeployment[];
  /** What was installed (the spec that runs, which after a failed update is not the desired one). */
  installed: InstalledDeployment[];
  statuses: DeploymentStatus[];
  /** A source's own bookkeeping: the fleet manager's accepted manifest version (decimal text: it is 64-bit) and ETag. */
  source: { manifestVersion?: string; etag?: string };
}

/** A deployment that runs, with the spec it runs from. */
export interface InstalledDeployment extends ActualDeployment {
  spec: DesiredDeployment;
}

/** Persists agent state; `save` must be atomic (all or nothing), so a crash never leaves half a state. */
export interface AgentStateStore {
  load(): Promise<AgentState | undefined>;
  save(state: AgentState): Promise<void>;
}

/** Time, injectable so tests need no sleeps. */
export interface Clock {
  now(): number;
  setInterval(callback: () => void, ms: number): () => void;
}
