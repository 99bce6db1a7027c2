// Telemetry through the official OpenTelemetry SDK: traces, metrics and logs exported over
// OTLP/HTTP (JSON) to a collector, and/or metrics kept for a Prometheus scrape. Platform-neutral:
// the exporters pick node:http in Node and fetch in a page by their package's `browser` field.
// Only load-telemetry.ts imports this file, and only when telemetry is configured.
import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, MetricReader, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { METRICS, type GaugeName, type Telemetry, type TelemetryAttributes, type TelemetryLevel, type TelemetrySpan } from './telemetry.js';
import { formatTraceParent } from './traceparent.js';
import { toPrometheusText } from './prometheus-text.js';
import type { TelemetryConfig, LoadedTelemetry } from './load-telemetry.js';

const SCOPE = 'wasmhost';
// Calls take microseconds to seconds: finer buckets than the SDK's default (0, 5, 10… ms).
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const SEVERITY: Record<TelemetryLevel, SeverityNumber> = {
  trace: SeverityNumber.TRACE, debug: SeverityNumber.DEBUG, info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN, error: SeverityNumber.ERROR, critical: SeverityNumber.FATAL,
};

/** A reader the Prometheus endpoint pulls from at each scrape. */
class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

class OtelSpan implements TelemetrySpan {
  constructor(readonly span: Span) {}
  setAttributes(attributes: TelemetryAttributes): void {
    this.span.setAttributes(attributes);
  }
  end(error?: unknown): void {
    if (error !== undefined) {
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    this.span.end();
  }
  traceparent(): string | undefined {
    const c = this.span.spanContext();
    return formatTraceParent({ traceId: c.traceId, spanId: c.spanId, sampled: (c.traceFlags & 1) === 1 });
  }
}

/** Builds the SDK providers for `config`; signals go to `<endpoint>/v1/{traces,metrics,logs}`. */
export function createOtelTelemetry(config: TelemetryConfig): LoadedTelemetry {
  const resource = resourceFromAttributes({ ...config.resource });
  const base = config.otlpEndpoint?.replace(/\/+$/, '');
  const readers: IMetricReader[] = [];
  if (base) {
    readers.push(new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }), exportIntervalMillis: config.exportIntervalMs ?? 10_000,
    }));
  }
  const pull = config.prometheus ? new PullReader() : undefined;
  if (pull) readers.push(pull);
  const tracerProvider = new BasicTracerProvider({
    resource, spanProcessors: base ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))] : [],
  });
  const meterProvider = new MeterProvider({ resource, readers });
  const loggerProvider = new LoggerProvider({
    resource, processors: base ? [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs` }) })] : [],
  });
  const tracer = tracerProvider.getTracer(SCOPE);
  const meter = meterProvider.getMeter(SCOPE);
  const logger = loggerProvider.getLogger(SCOPE);

  const counters = new Map<string, ReturnType<typeof meter.createCounter>>();
  const histograms = new Map<string, ReturnType<typeof meter.createHistogram>>();
  const gauges = new Map<GaugeName, Set<{ read: () => number; attributes?: TelemetryAttributes }>>();
  let active: OtelSpan | undefined;

  function counter(name: keyof typeof METRICS) {
    let c = counters.get(name);
    if (!c) counters.set(name, (c = meter.createCounter(name, { unit: METRICS[name].unit, description: METRICS[name].description })));
    return c;
  }
  function histogram(name: keyof typeof METRICS) {
    let h = histograms.get(name);
    const { unit, description } = METRICS[name];
    if (!h) histograms.set(name, (h = meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } })));
    return h;
  }

  const telemetry: LoadedTelemetry = {
    enabled: true,
    startSpan(name, options = {}) {
      const parent = options.parent instanceof OtelSpan ? trace.setSpan(ROOT_CONTEXT, options.parent.span) : ROOT_CONTEXT;
      return new OtelSpan(tracer.startSpan(name, { attributes: options.attributes }, parent));
    },
    withSpan(span, fn) {
      const previous = active;
      active = span instanceof OtelSpan ? span : undefined;
      try {
        return fn();
      } finally {
        active = previous;
      }
    },
    activeSpan: () => active,
    add: (name, value, attributes) => counter(name).add(value, attributes),
    record: (name, value, attributes) => histogram(name).record(value, attributes),
    observe(name, read, attributes) {
      let set = gauges.get(name);
      if (!set) {
        const mine = (set = new Set());
        gauges.set(name, mine);
        meter.createObservableGauge(name, { unit: METRICS[name].unit, description: METRICS[name].description }).addCallback((result) => {
          for (const g of mine) {
            try {
              result.observe(g.read(), g.attributes);
            } catch {
              // A gauge whose source is gone reports nothing this round.
            }
          }
        });
      }
      const entry = { read, attributes };
      set.add(entry);
      return () => void set.delete(entry);
    },
    log(level, body, attributes) {
      logger.emit({
        severityNumber: SEVERITY[level], severityText: level.toUpperCase(), body, attributes,
        context: active ? trace.setSpan(ROOT_CONTEXT, active.span) : undefined,
      });
    },
    async flush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
  if (pull) {
    telemetry.prometheusText = async () => {
      const { resourceMetrics } = await pull.collect();
      return toPrometheusText(resourceMetrics);
    };
  }
  return telemetry;
}
