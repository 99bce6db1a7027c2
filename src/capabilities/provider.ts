import type { GrantKey, Grants } from './grants.js';

/** One WIT interface a provider offers: `wasi:logging/logging` at `0.1.0-draft`. */
export interface InterfaceOffer {
  /** `namespace:package/interface`, without version. */
  name: string;
  version?: string;
  /** The grant a deployment must give before a workload may import this; none for harmless interfaces. */
  grant?: GrantKey;
}

/** Where a workload's log lines go. */
export type LogSink = (entry: LogEntry) => void;

/** One structured log line from a workload or the host. */
export interface LogEntry {
  workload: string;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical';
  context: string;
  message: string;
}

/** What a provider knows of the workload instance it is building imports for. */
export interface ProviderContext {
  /** The workload's name (its deployment id, or the file name for a CLI run). */
  workload: string;
  /** Configuration values (from manifest parameters or `--config`). */
  config: Readonly<Record<string, string>>;
  /** What the deployment allows; providers enforce each grant's scope. */
  grants: Readonly<Grants>;
  log: LogSink;
  /**
   * The version of each interface the workload imports, by name without version (absent for an
   * unversioned import): for a provider that serves several versions of an interface.
   */
  importVersions?: Readonly<Record<string, string | undefined>>;
}

/**
 * Supplies the implementation of one or more WIT interfaces. `create` runs once per
 * workload instance, so state (a preopened directory, a bucket) is never shared by accident.
 */
export interface CapabilityProvider {
  /** A short name for reports (`wasi`, `logging`). */
  name: string;
  offers: readonly InterfaceOffer[];
  /** Implementations keyed by interface name without version, in jco's import shape. */
  create(context: ProviderContext): Record<string, unknown>;
  /** Loads what `create` needs, when it is loaded on first use; the host awaits it before `create`. */
  prepare?(): Promise<void>;
}
