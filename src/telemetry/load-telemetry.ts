// Turns telemetry on only when it is configured: the OpenTelemetry SDK is imported then, and
// never otherwise (start-up time and memory of a device without a collector stay as they were).
import { WasmhostError } from '../errors.js';
import { noopTelemetry, type Telemetry, type TelemetryAttributes } from './telemetry.js';

/** What the user configured: a collector, a Prometheus endpoint, or neither. */
export interface TelemetryConfig {
  /** OTLP/HTTP base URL of the collector (`http://127.0.0.1:4318`); traces, metrics and logs go to `/v1/…` under it. */
  otlpEndpoint?: string;
  /** Keep metrics for a Prometheus scrape (`prometheusText`). */
  prometheus?: boolean;
  /** Resource attributes: `service.name`, `service.instance.id` (the device id), `wasmhost.device.class`… */
  resource: TelemetryAttributes;
  /** How often metrics are pushed to the collector (default 10 s). */
  exportIntervalMs?: number;
}

/** Telemetry as loaded: the Prometheus text is there when `prometheus` was asked for. */
export interface LoadedTelemetry extends Telemetry {
  prometheusText?: () => Promise<string>;
}

/** The no-op when nothing is configured; the SDK implementation otherwise (loaded now, not before). */
export async function loadTelemetry(config: TelemetryConfig): Promise<LoadedTelemetry> {
  if (!config.otlpEndpoint && !config.prometheus) return noopTelemetry;
  const { createOtelTelemetry } = await import('./otel-telemetry.js');
  return createOtelTelemetry(config);
}

/** The collector URL to use: the one given, else OTEL_EXPORTER_OTLP_ENDPOINT's (passed in by the host, which reads its environment). */
export function collectorUrl(given: string | undefined, fromEnvironment: string | undefined): string | undefined {
  const url = given ?? (fromEnvironment?.trim() || undefined);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WasmhostError('bad-input', `collector URL '${url}' is not a URL; give the collector's OTLP/HTTP base, e.g. http://127.0.0.1:4318`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WasmhostError('bad-input', `collector URL '${url}' must be http: or https: (OTLP/HTTP)`);
  return url;
}
