import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { createHost, type Host, type HostOptions } from '../src/create-host.js';
import { createFileArtifactCache } from './file-artifact-cache.js';
import { createSqliteStore } from './sqlite-store.js';
import { createLazyStore } from './lazy-store.js';
import { createThreadIsolate } from './thread-isolate.js';
import { workloadWorkerUrl } from './workload-worker-url.js';
import { createProcessTranspiler } from './transpile-process.js';
import { nodeEngineFeatures } from './cli/engine-features.js';

/** Options of a host on a Linux device. */
export interface NodeHostOptions extends Partial<HostOptions> {
  /** Where workload data lives (`keyvalue.db`, SQLite); without it, key-value buckets are in memory. */
  dataDir?: string;
  /** Where transpiled artifacts are kept (default `$WASMHOST_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmhost`, else `~/.cache/wasmhost`). */
  cacheDir?: string;
}

/** Where the agent keeps its state by default (`$WASMHOST_STATE_DIR`, else `~/.local/state/wasmhost`). */
export function defaultStateDir(): string {
  const env = process.env;
  return env.WASMHOST_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'wasmhost');
}

/** SHA-256 with node:crypto: synchronous, and without Web Crypto's first-use cost (~4 ms). */
function nodeSha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The default artifact cache directory of this user. */
export function defaultCacheDir(): string {
  const env = process.env;
  return env.WASMHOST_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wasmhost');
}

/** A host for Node: file artifact cache, plus the V8 setup jco's QuickJS components need on Node 20. */
export function createNodeHost(options: NodeHostOptions = {}): Host {
  const path = options.dataDir && join(options.dataDir, 'keyvalue.db');
  // SQLite is opened when a workload first uses a bucket, not for every host.
  const store = options.store ?? (path ? createLazyStore(() => createSqliteStore({ path }), path) : undefined);
  return createHost({ ...options, store, ...nodePorts(options) });
}

/**
 * The Node pieces every Node host uses: the artifact cache (unless given), node:crypto digests,
 * V8 flags, workers, and jco run in a short-lived child process (transpile-process.ts).
 */
export function nodePorts(options: NodeHostOptions): Pick<HostOptions, 'artifactCache' | 'digest' | 'isolate' | 'engineFeatures' | 'transpile'> {
  enableWasmFeatures();
  const artifactCache =
    options.artifactCache ??
    createFileArtifactCache({
      dir: options.cacheDir ?? defaultCacheDir(),
      onCorrupt: (digest, reason) => console.error(`wasmhost: cache entry ${digest} dropped (${reason}); transpiling again`),
    });
  return {
    artifactCache, digest: options.digest ?? nodeSha256, isolate: options.isolate ?? createThreadIsolate({ workerUrl: workloadWorkerUrl }), engineFeatures: nodeEngineFeatures(),
    transpile: options.transpile ?? createProcessTranspiler(),
  };
}

/**
 * Node 20's V8 ships extended-const behind a flag; componentize-js's QuickJS builds use it.
 * The flag must be set before the first compile; it is process-wide and harmless when on already.
 */
function enableWasmFeatures(): void {
  if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-extended-const');
}
