// The telemetry port: the instrumentation points the core calls (spans, counters,
// histograms, gauges, log records). The default is `noopTelemetry`, which does nothing and
// allocates nothing, so a device without a collector pays nothing. The OpenTelemetry SDK
// implementation (otel-telemetry.ts) is loaded only when telemetry is configured (load-telemetry.ts).
// Parents are passed explicitly, or through `withSpan` for the synchronous part of a call
// (how a forwarded import hands its span to a bridge rpc): no async context machinery.

/** Attribute values the core attaches to spans, metrics and log records. */
export type TelemetryAttributes = Readonly<Record<string, string | number | boolean>>;

/** One span: ended once, failed when ended with an error. */
export interface TelemetrySpan {
  setAttributes(attributes: TelemetryAttributes): void;
  /** Ends the span; an error marks it failed and records its message. */
  end(error?: unknown): void;
  /** The W3C `traceparent` of this span (to carry it to a peer), or undefined when not recorded. */
  traceparent(): string | undefined;
}

/** Every metric the host reports: its kind, unit and meaning (the OTel and Prometheus views share it). */
export const METRICS = {
  'wasmhost.calls': { kind: 'counter', unit: '{call}', description: 'Export calls into workloads, by workload and outcome' },
  'wasmhost.call.duration': { kind: 'histogram', unit: 'ms', description: 'Duration of export calls into workloads' },
  'wasmhost.call.errors': { kind: 'counter', unit: '{call}', description: 'Export calls that failed (trap, timeout, restart), by workload' },
  'wasmhost.workload.restarts': { kind: 'counter', unit: '{restart}', description: 'Workload instances replaced after a failure' },
  'wasmhost.import.calls': { kind: 'counter', unit: '{call}', description: 'Imports a worker-isolated workload forwarded to the host, by interface' },
  'wasmhost.bridge.rpc.duration': { kind: 'histogram', unit: 'ms', description: 'Round trips of bridge rpc requests to embedded peers' },
  'wasmhost.bridge.rpcs': { kind: 'counter', unit: '{request}', description: 'Bridge rpc requests to embedded peers, by peer and outcome' },
  'wasmhost.peers.online': { kind: 'gauge', unit: '{peer}', description: 'Embedded peers online' },
  'wasmhost.workloads': { kind: 'gauge', unit: '{workload}', description: 'Workloads running' },
  'wasmhost.memory.used': { kind: 'gauge', unit: 'By', description: 'Memory used by the host process (resident set in Node, JS heap in a page)' },
  'wasmhost.workload.memory': { kind: 'gauge', unit: 'By', description: "Memory of one workload: its linear memories, and its worker's JS heap where measured" },
} as const;

export type MetricName = keyof typeof METRICS;
type NamesOf<K extends string> = { [N in MetricName]: (typeof METRICS)[N]['kind'] extends K ? N : never }[MetricName];
export type CounterName = NamesOf<'counter'>;
export type HistogramName = NamesOf<'histogram'>;
export type GaugeName = NamesOf<'gauge'>;

/** Severity of a log record, as wasi:logging names them. */
export type TelemetryLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical';

/** What the core reports through; one per host instance (never a global). */
export interface Telemetry {
  /** False for the no-op: callers may skip building attributes. */
  readonly enabled: boolean;
  startSpan(name: string, options?: { parent?: TelemetrySpan; attributes?: TelemetryAttributes }): TelemetrySpan;
  /** Runs `fn` with `span` as the active span for its synchronous part. */
  withSpan<T>(span: TelemetrySpan, fn: () => T): T;
  /** The span `withSpan` made active, if any. */
  activeSpan(): TelemetrySpan | undefined;
  add(counter: CounterName, value: number, attributes?: TelemetryAttributes): void;
  record(histogram: HistogramName, value: number, attributes?: TelemetryAttributes): void;
  /** Reads a gauge at each collection; returns a function that stops it. */
  observe(gauge: GaugeName, read: () => number, attributes?: TelemetryAttributes): () => void;
  log(level: TelemetryLevel, body: string, attributes?: TelemetryAttributes): void;
  /** Exports what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

const noopSpan: TelemetrySpan = { setAttributes() {}, end() {}, traceparent: () => undefined };

/** Telemetry that records nothing: the default when no collector or metrics endpoint is configured. */
export const noopTelemetry: Telemetry = {
  enabled: false,
  startSpan: () => noopSpan,
  withSpan: (_span, fn) => fn(),
  activeSpan: () => undefined,
  add() {},
  record() {},
  observe: () => () => {},
  log() {},
  flush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** Runs `work` inside a span that ends when it settles (failed if it throws or rejects). */
export async function inSpan<T>(telemetry: Telemetry, name: string, options: Parameters<Telemetry['startSpan']>[1], work: (span: TelemetrySpan) => Promise<T>): Promise<T> {
  if (!telemetry.enabled) return work(noopSpan);
  const span = telemetry.startSpan(name, options);
  try {
    const value = await work(span);
    span.end();
    return value;
  } catch (error) {
    span.end(error);
    throw error;
  }
}
