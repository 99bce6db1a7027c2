// Prometheus text exposition format 0.0.4 from the OpenTelemetry SDK's collected metrics:
// counters as `<name>_total`, histograms as `_bucket{le}`/`_sum`/`_count`, gauges as is.
// Names: dots become underscores and the unit becomes a suffix (ms → `_milliseconds`, By → `_bytes`).
import type { ResourceMetrics, MetricData, DataPoint, Histogram } from '@opentelemetry/sdk-metrics';

/** The content type of what `toPrometheusText` writes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const UNIT_SUFFIX: Record<string, string> = { ms: '_milliseconds', s: '_seconds', By: '_bytes' };
// DataPointType of sdk-metrics: HISTOGRAM 0, EXPONENTIAL_HISTOGRAM 1, GAUGE 2, SUM 3.
const HISTOGRAM = 0, GAUGE = 2, SUM = 3;

/** Every metric of `collected` in the text format, one family per metric. */
export function toPrometheusText(collected: ResourceMetrics): string {
  const lines: string[] = [];
  for (const scope of collected.scopeMetrics) for (const metric of scope.metrics) writeMetric(metric, lines);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function writeMetric(metric: MetricData, lines: string[]): void {
  const base = sanitize(metric.descriptor.name) + (UNIT_SUFFIX[metric.descriptor.unit] ?? '');
  const help = (name: string) => `# HELP ${name} ${escapeHelp(metric.descriptor.description)}`;
  if (metric.dataPointType === SUM) {
    const monotonic = metric.isMonotonic;
    const name = monotonic ? `${base}_total` : base;
    lines.push(help(name), `# TYPE ${name} ${monotonic ? 'counter' : 'gauge'}`);
    for (const p of metric.dataPoints as DataPoint<number>[]) lines.push(`${name}${labels(p.attributes)} ${number(p.value)}`);
  } else if (metric.dataPointType === GAUGE) {
    lines.push(help(base), `# TYPE ${base} gauge`);
    for (const p of metric.dataPoints as DataPoint<number>[]) lines.push(`${base}${labels(p.attributes)} ${number(p.value)}`);
  } else if (metric.dataPointType === HISTOGRAM) {
    lines.push(help(base), `# TYPE ${base} histogram`);
    for (const p of metric.dataPoints as DataPoint<Histogram>[]) {
      const { boundaries, counts } = p.value.buckets;
      let cumulative = 0;
      boundaries.forEach((le, i) => {
        cumulative += counts[i] ?? 0;
        lines.push(`${base}_bucket${labels(p.attributes, ['le', number(le)])} ${cumulative}`);
      });
      lines.push(`${base}_bucket${labels(p.attributes, ['le', '+Inf'])} ${p.value.count}`);
      lines.push(`${base}_sum${labels(p.attributes)} ${number(p.value.sum ?? 0)}`, `${base}_count${labels(p.attributes)} ${p.value.count}`);
    }
  }
  // Exponential histograms are not configured by this host.
}

function labels(attributes: Record<string, unknown>, extra?: [string, string]): string {
  const pairs = Object.entries(attributes).map(([k, v]) => `${sanitize(k)}="${escapeValue(String(v))}"`);
  if (extra) pairs.push(`${extra[0]}="${extra[1]}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** A metric or label name: `[a-zA-Z_:][a-zA-Z0-9_:]*` (label names without `:`; ours have none). */
function sanitize(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function number(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
