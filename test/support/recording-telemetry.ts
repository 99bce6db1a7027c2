// A Telemetry that records what the core reports, for core tests (no SDK, no network).
import type { Telemetry, TelemetryAttributes, TelemetrySpan } from '../../src/telemetry/telemetry.js';

export interface RecordedSpan extends TelemetrySpan {
  name: string;
  id: string;
  parent?: RecordedSpan;
  attributes: Record<string, string | number | boolean>;
  ended: boolean;
  error?: unknown;
}

export function recordingTelemetry() {
  const spans: RecordedSpan[] = [];
  const counters: { name: string; value: number; attributes?: TelemetryAttributes }[] = [];
  const histograms: { name: string; value: number; attributes?: TelemetryAttributes }[] = [];
  const logs: { level: string; body: string; attributes?: TelemetryAttributes }[] = [];
  const gauges = new Set<{ name: string; read: () => number; attributes?: TelemetryAttributes }>();
  /** What a collection would read now from the gauges still observed. */
  const readGauges = (name: string) => [...gauges].filter((g) => g.name === name).map((g) => ({ value: g.read(), attributes: g.attributes }));
  let active: TelemetrySpan | undefined;
  const telemetry: Telemetry = {
    enabled: true,
    startSpan(name, options = {}) {
      const id = (spans.length + 1).toString(16).padStart(16, '0');
      const span: RecordedSpan = {
        name, id, parent: options.parent as RecordedSpan | undefined, attributes: { ...options.attributes }, ended: false,
        setAttributes: (a) => void Object.assign(span.attributes, a),
        end(error) {
          span.ended = true;
          span.error = error;
        },
        traceparent: () => `00-${'ab'.repeat(16)}-${id}-01`,
      };
      spans.push(span);
      return span;
    },
    withSpan(span, fn) {
      const previous = active;
      active = span;
      try {
        return fn();
      } finally {
        active = previous;
      }
    },
    activeSpan: () => active,
    add: (name, value, attributes) => void counters.push({ name, value, attributes }),
    record: (name, value, attributes) => void histograms.push({ name, value, attributes }),
    observe(name, read, attributes) {
      const gauge = { name, read, attributes };
      gauges.add(gauge);
      return () => void gauges.delete(gauge);
    },
    log: (level, body, attributes) => void logs.push({ level, body, attributes }),
    flush: async () => {},
    shutdown: async () => {},
  };
  return { telemetry, spans, counters, histograms, logs, readGauges };
}
