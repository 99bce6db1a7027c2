// Telemetry of a page device: on when `?otel=<collector url>` or the server's /config.json
// (`wasmhost serve --otel`) names a collector, with the same OpenTelemetry SDK as Node (its
// exporters use fetch in a page). Off otherwise, and then the SDK's chunk is never fetched.
// The collector must answer CORS (the page posts OTLP JSON from its own origin).
import { collectorUrl, loadTelemetry, type LoadedTelemetry } from '../src/telemetry/load-telemetry.js';

/** The page's telemetry and whether it exports (Margo's `otelCollector`). */
export async function startPageTelemetry(config: { otel?: string }, pageUrl: URL, deviceId: string): Promise<LoadedTelemetry> {
  const asked = pageUrl.searchParams.get('otel') ?? config.otel;
  const otlpEndpoint = collectorUrl(asked === undefined ? undefined : new URL(asked, pageUrl).href, undefined);
  const telemetry = await loadTelemetry({
    otlpEndpoint,
    resource: {
      'service.name': 'wasmhost',
      'service.instance.id': deviceId,
      'wasmhost.device.class': 'browser',
      'user_agent.original': navigator.userAgent.slice(0, 200),
    },
    exportIntervalMs: Number(pageUrl.searchParams.get('otel-interval-ms')) || undefined,
  });
  // Chromium's non-standard heap figure; other browsers report no memory gauge.
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  if (telemetry.enabled && memory) telemetry.observe('wasmhost.memory.used', () => memory.usedJSHeapSize);
  return telemetry;
}
