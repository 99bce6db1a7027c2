// The Prometheus scrape endpoint: GET /metrics on loopback, text exposition format 0.0.4,
// the same metrics the OTLP exporter sends (both read the one OpenTelemetry MeterProvider).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE } from '../src/telemetry/prometheus-text.js';

/** Serves `text()` at GET /metrics on 127.0.0.1:`port` (0: a free one); resolves with its URL once listening. */
export async function startMetricsServer(text: () => Promise<string>, port: number): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; GET /metrics\n');
      return;
    }
    text().then(
      (body) => response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(body),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}
