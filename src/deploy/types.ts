// The deployment model the agent reconciles: what Margo's ApplicationDeployment (with its
// ApplicationDescription) asks a device to run, reduced to what wasmhost needs.
import type { Grants } from '../capabilities/grants.js';

/** How a workload is called besides explicit calls. */
export type Trigger =
  /** Call `export` every `everyMs` with WAVE `args`; publish the result to `output` if set. */
  | { kind: 'interval'; everyMs: number; export: string; args?: string[]; output?: string }
  /** Deliver messages on the granted subscribe topics to `wasi:messaging/incoming-handler`. */
  | { kind: 'message' }
  /**
   * Call `export` with (sensor name, reading) for each reading of `sensors`; publish the result to
   * `output` if set. Local sensors are sampled every `everyMs` (default 1000).
   */
  | { kind: 'reading'; sensors: string[]; export: string; output?: string; everyMs?: number }
  /**
   * Serve `wasi:http/incoming-handler` at a path prefix (and Host, if set) on the agent's HTTP
   * listener; the request deadline is the component's `callTimeoutMs`.
   */
  | { kind: 'http'; path: string; host?: string; maxBodyBytes?: number; maxConcurrent?: number };

/** Resource limits of one workload. */
export interface Limits {
  /** A call running longer is stopped (its worker terminated) and the workload restarted. */
  callTimeoutMs: number;
  /** Linear memory cap per core memory, in bytes. */
  memoryBytes: number;
  /** Isolated in its own worker (default) or in the host's thread (trusted workloads). */
  isolation: 'worker' | 'in-process';
}

/** One component of a deployment, ready to fetch, check and run. */
export interface WorkloadSpec {
  /** The component's name within its deployment (`components[].name`). */
  name: string;
  /** File path (relative to the manifest's directory) or https URL. */
  packageLocation: string;
  /** `sha256:<64 hex>`; the fetched bytes must match it. */
  digest: string;
  grants: Grants;
  /** `wasi:config` values: the component's own properties plus parameters targeted at it. */
  config: Record<string, string>;
  triggers: Trigger[];
  limits: Limits;
}

/** A deployment the device should run: one ApplicationDeployment resolved against its description. */
export interface DesiredDeployment {
  /** The ApplicationDeployment's `id` (stable across versions). */
  id: string;
  name: string;
  applicationId: string;
  /** The application version; a change with the same id is an update. */
  version: string;
  components: WorkloadSpec[];
  /** Where relative package locations resolve from (a directory path or a base URL). */
  base?: string;
}

/** Margo deployment states. */
export type DeploymentState = 'pending' | 'installing' | 'installed' | 'removing' | 'removed' | 'failed';

/** Why a deployment or component failed. */
export interface StatusError { code: string; source: string; message: string }

/** Margo deployment status, as reported to a fleet manager and on the status endpoint. */
export interface DeploymentStatus {
  deploymentId: string;
  deviceId: string;
  status: { state: DeploymentState; error?: StatusError };
  components: { name: string; state: DeploymentState; error?: StatusError }[];
}
