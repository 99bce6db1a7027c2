import type { ArtifactCache } from './ports/artifact-cache.js';
import type { Component, DigestFn } from './component/component.js';
import type { Engine } from './component/engine.js';
import { createJcoEngine } from './component/jco-engine.js';
import { createLoggingProvider } from './capabilities/logging-provider.js';
import { createConfigProvider } from './capabilities/config-provider.js';
import type { CapabilityProvider, LogSink } from './capabilities/provider.js';
import type { Grants } from './capabilities/grants.js';
import type { Isolate } from './ports/isolate.js';
import type { Backoff, IsolatedWorkload, IsolationEvent, IsolationLimits } from './runtime/isolated-workload.js';
import { transpileWithJco, type Transpiler } from './component/transpile.js';
import type { Workload } from './runtime/workload.js';
import { createMessagingProvider } from './capabilities/messaging-provider.js';
import { createMemoryBus } from './memory/memory-bus.js';
import type { MessageBus } from './ports/message-bus.js';
import type { Store } from './ports/store.js';
import { createMemoryStore } from './memory/memory-store.js';
import { createKeyValueProvider } from './capabilities/keyvalue-provider.js';
import { createDisplayProvider } from './capabilities/display-provider.js';
import { createDisplayBoard, type DisplayBoard } from './runtime/display-board.js';
import { runningEngineFeatures } from './component/engine-features.js';
import type { EngineFeatures } from './component/engine-support.js';
import { noopTelemetry, type Telemetry, type TelemetrySpan } from './telemetry/telemetry.js';
import { lazy } from './lazy.js';

/** The platform pieces and policy a host is built from. */
export interface HostOptions {
  artifactCache: ArtifactCache;
  /** Capability providers besides the built-in ones (logging, config, messaging, keyvalue, display). */
  providers?: readonly CapabilityProvider[];
  engine?: Engine;
  /** Transpiles components that are not in the artifact cache (default: jco in this thread). */
  transpile?: Transpiler;
  /** What the WebAssembly engine can run, checked before a deployment transpiles (default: measured here, unnamed). */
  engineFeatures?: EngineFeatures;
  /** The device's message bus (default: an in-process bus). */
  bus?: MessageBus;
  /** Where `wasi:keyvalue` buckets live (default: in memory). */
  store?: Store;
  /** Where `wasmhost:display` panels go (default: a board of this host's own, read through `Host.display`). */
  display?: DisplayBoard;
  /** Applied to every provider, built-in or not, when an instance is built (tests record calls with it). */
  wrapProvider?: (provider: CapabilityProvider) => CapabilityProvider;
  /** Starts workers for isolated workloads (Node worker_threads, browser Web Workers). */
  isolate?: Isolate;
  /** How component digests are computed (default: Web Crypto SHA-256). */
  digest?: DigestFn;
  /** Where workload log lines go (default: console.error as `[workload] level context: message`). */
  log?: LogSink;
  /**
   * Whether workloads may run in the host's thread, where no call time limit can be enforced
   * (default true: the caller of `instantiate` is trusted). The device agent sets it from its
   * operator's local configuration (`--allow-in-process`), never from a manifest.
   */
  allowInProcess?: boolean;
  /** Where spans, metrics and log records go (default: nowhere, at no cost). Workload log lines are also sent here. */
  telemetry?: Telemetry;
}

/** Options for one instance of a component. */
export interface InstantiateOptions {
  /** The workload's name in logs and errors (default: the digest's first 12 hex digits). */
  name?: string;
  config?: Record<string, string>;
  /** What this workload may reach (default: nothing that needs a grant). */
  grants?: Grants;
  /** Providers for this instance only, ahead of the host's (e.g. a WASI sandbox with granted dirs). */
  providers?: readonly CapabilityProvider[];
  /** Call scalar-only exports on the core instance directly (default true). */
  fastCalls?: boolean;
  /** Cap of each core memory the component defines, in bytes (default: none). */
  memoryBytes?: number;
  /** The span this start belongs to (a deployment's); transpile and instantiate become its children. */
  span?: TelemetrySpan;
}

/** A wasmhost instance: loads components and runs them with imports built from its providers. */
export interface Host {
  readonly engine: Engine;
  /** What the WebAssembly engine can run (wasm-gc, JSPI…), measured. */
  readonly engineFeatures: EngineFeatures;
  /** The bus `wasi:messaging` workloads publish to and are triggered from. */
  readonly bus: MessageBus;
  /** The panels workloads show, for the page or console to render. */
  readonly display: DisplayBoard;
  /** The host's providers, built-in ones included: what this device offers (its profile is derived from them). */
  readonly providers: readonly CapabilityProvider[];
  /** Where this host reports spans, metrics and logs (the no-op unless configured). */
  readonly telemetry: Telemetry;
  /** Reads a component (digest, world) without running it. */
  load(bytes: Uint8Array): Promise<Component>;
  /** Prepares (transpile or cache hit) and instantiates a component in the host's thread. */
  instantiate(component: Component, options?: InstantiateOptions): Promise<Workload>;
  /** Starts a component in its own worker, with time and memory limits; needs `HostOptions.isolate`. */
  startIsolated(component: Component, options: IsolatedStartOptions): Promise<IsolatedWorkload>;
  /**
   * Hears each transpile as it starts (a component not in the artifact cache); the listener
   * may return a function told when it ends (with the error, if it failed). Returns an unsubscribe.
   */
  onTranspile(listener: TranspileListener): () => void;
}

/** Told a transpile starts: which component, how many bytes; may return what to call when it ends. */
export type TranspileListener = (what: { digest: string; bytes: number }) => ((error?: unknown) => void) | void;

/** Options of an isolated workload: an instance's, plus its limits and restart policy. */
export interface IsolatedStartOptions extends Omit<InstantiateOptions, 'fastCalls' | 'memoryBytes'> {
  limits: IsolationLimits;
  /** `argv` of WASI inside the worker (default `[name]`). */
  wasiArgs?: string[];
  backoff?: Partial<Backoff>;
  onEvent?: (event: IsolationEvent) => void;
}

/** Builds a host from platform ports; each host folder calls this from its one entry point. */
export function createHost(options: HostOptions): Host {
  const transpileListeners = new Set<TranspileListener>();
  const baseTranspile = options.transpile ?? transpileWithJco;
  const transpile: Transpiler = async (bytes, digest) => {
    const ends = [...transpileListeners].map((l) => l({ digest, bytes: bytes.byteLength })).filter((e): e is (error?: unknown) => void => typeof e === 'function');
    try {
      const artifact = await baseTranspile(bytes, digest);
      for (const end of ends) end();
      return artifact;
    } catch (error) {
      for (const end of ends) end(error);
      throw error;
    }
  };
  const engine = options.engine ?? createJcoEngine({ cache: options.artifactCache, transpile });
  const bus = options.bus ?? createMemoryBus();
  const store = options.store ?? createMemoryStore();
  const display = options.display ?? createDisplayBoard();
  const hostProviders = [
    ...(options.providers ?? []),
    createLoggingProvider(),
    createConfigProvider(),
    createMessagingProvider(bus),
    createKeyValueProvider(store),
    createDisplayProvider(display),
  ];
  const telemetry = options.telemetry ?? noopTelemetry;
  const print = options.log ?? ((e) => console.error(`[${e.workload}] ${e.level} ${e.context}: ${e.message}`));
  const log: LogSink = telemetry.enabled
    ? (e) => {
      print(e);
      telemetry.log(e.level, e.message, { 'wasmhost.workload': e.workload, 'wasmhost.log.context': e.context });
    }
    : print;
  // The component machinery (host-runtime.ts) loads with the first component this host is handed.
  const runtime = lazy(async () => (await import('./host-runtime.js')).createHostRuntime({ options, engine, transpile, bus, providers: hostProviders, telemetry, log }));
  return {
    engine,
    telemetry,
    engineFeatures: options.engineFeatures ?? runningEngineFeatures("this host's WebAssembly engine"),
    bus,
    display,
    providers: hostProviders,
    load: async (bytes) => (await runtime()).load(bytes),
    onTranspile(listener) {
      transpileListeners.add(listener);
      return () => transpileListeners.delete(listener);
    },
    instantiate: async (component, opts) => (await runtime()).instantiate(component, opts),
    startIsolated: async (component, opts) => (await runtime()).startIsolated(component, opts),
  };
}
