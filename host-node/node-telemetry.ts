// Telemetry of a Node device: the collector from --otel or OTEL_EXPORTER_OTLP_ENDPOINT, the
// resource that names this device, and the process's resident memory as a gauge. Nothing of
// the OpenTelemetry SDK is loaded unless a collector or a Prometheus endpoint is asked for.
import { hostname } from 'node:os';
import { collectorUrl, loadTelemetry, type LoadedTelemetry } from '../src/telemetry/load-telemetry.js';
import type { TelemetryAttributes } from '../src/telemetry/telemetry.js';

/** What the user asked for on the command line. */
export interface NodeTelemetryOptions {
  /** `--otel <url>`: the collector's OTLP/HTTP base URL (else OTEL_EXPORTER_OTLP_ENDPOINT). */
  otel?: string;
  /** A Prometheus endpoint will be served (`--metrics-port`). */
  prometheus: boolean;
  deviceId: string;
  /** `wasmhost.device.class` of the resource. */
  deviceClass: 'linux';
  /** How often metrics are pushed (default 10 s; tests shorten it). */
  exportIntervalMs?: number;
}

/** The device's telemetry and the collector it exports to (undefined: none, `otelCollector: false`). */
export async function startNodeTelemetry(options: NodeTelemetryOptions): Promise<{ telemetry: LoadedTelemetry; collector?: string }> {
  const collector = collectorUrl(options.otel, process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const resource: TelemetryAttributes = {
    'service.name': 'wasmhost',
    'service.instance.id': options.deviceId,
    'host.name': hostname(),
    'process.pid': process.pid,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'wasmhost.device.class': options.deviceClass,
  };
  const interval = options.exportIntervalMs ?? (Number(process.env.OTEL_METRIC_EXPORT_INTERVAL) || undefined);
  const telemetry = await loadTelemetry({ otlpEndpoint: collector, prometheus: options.prometheus, resource, exportIntervalMs: interval });
  if (telemetry.enabled) telemetry.observe('wasmhost.memory.used', () => process.memoryUsage().rss);
  return { telemetry, collector };
}
