// A real OTLP/HTTP receiver for tests: a node:http server on 127.0.0.1 that takes what the
// OpenTelemetry exporters POST to /v1/traces, /v1/metrics and /v1/logs (OTLP JSON, as the
// -otlp-http exporters send it; anything else is refused with 415) and decodes it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OTLP attribute list, decoded to plain values. */
export type Attributes = Record<string, string | number | boolean>;

export interface ReceivedSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: Attributes; status?: { code?: number; message?: string }; resource: Attributes }
export interface ReceivedPoint { attributes: Attributes; value?: number; count?: number; sum?: number; bucketCounts?: number[]; explicitBounds?: number[] }
export interface ReceivedMetric { name: string; unit?: string; kind: 'sum' | 'gauge' | 'histogram' | 'other'; points: ReceivedPoint[]; resource: Attributes }
export interface ReceivedLog { body: string; severityText?: string; severityNumber?: number; traceId?: string; spanId?: string; attributes: Attributes; resource: Attributes }

export interface OtlpReceiver {
  /** The base URL to give an exporter (`--otel`, OTEL_EXPORTER_OTLP_ENDPOINT). */
  url: string;
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetric[];
  logs(): ReceivedLog[];
  /** Content types of every request, by path. */
  requests(): { path: string; contentType: string }[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

function decodeAttributes(list: KeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}

/** `cors`: answer preflights and allow any origin, as a collector configured for pages must. */
export async function startOtlpReceiver(options: { cors?: boolean } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const logs: ReceivedLog[] = [];
  const requests: { path: string; contentType: string }[] = [];

  function take(path: string, body: any): void {
    if (path === '/v1/traces') {
      for (const rs of body.resourceSpans ?? []) {
        const resource = decodeAttributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
          spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, attributes: decodeAttributes(s.attributes), status: s.status, resource });
        }
      }
    } else if (path === '/v1/metrics') {
      for (const rm of body.resourceMetrics ?? []) {
        const resource = decodeAttributes(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) {
          const kind = m.sum ? 'sum' : m.gauge ? 'gauge' : m.histogram ? 'histogram' : 'other';
          const raw: any[] = (m.sum ?? m.gauge ?? m.histogram)?.dataPoints ?? [];
          const points = raw.map((p): ReceivedPoint => ({
            attributes: decodeAttributes(p.attributes),
            value: p.asDouble ?? (p.asInt !== undefined ? Number(p.asInt) : undefined),
            count: p.count !== undefined ? Number(p.count) : undefined,
            sum: p.sum,
            bucketCounts: p.bucketCounts?.map(Number),
            explicitBounds: p.explicitBounds,
          }));
          metrics.push({ name: m.name, unit: m.unit, kind, points, resource });
        }
      }
    } else if (path === '/v1/logs') {
      for (const rl of body.resourceLogs ?? []) {
        const resource = decodeAttributes(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) {
          logs.push({ body: r.body?.stringValue ?? JSON.stringify(r.body), severityText: r.severityText, severityNumber: r.severityNumber, traceId: r.traceId || undefined, spanId: r.spanId || undefined, attributes: decodeAttributes(r.attributes), resource });
        }
      }
    }
  }

  const server = createServer((request, response) => {
    if (options.cors) {
      response.setHeader('access-control-allow-origin', '*');
      if (request.method === 'OPTIONS') {
        response.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' }).end();
        return;
      }
    }
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = request.url ?? '';
      const contentType = String(request.headers['content-type'] ?? '');
      requests.push({ path, contentType });
      if (request.method !== 'POST' || !['/v1/traces', '/v1/metrics', '/v1/logs'].includes(path)) {
        response.writeHead(404).end();
        return;
      }
      if (!contentType.startsWith('application/json')) {
        response.writeHead(415, { 'content-type': 'text/plain' }).end('this test receiver decodes OTLP JSON only');
        return;
      }
      try {
        take(path, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        response.writeHead(400).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    metrics: () => metrics,
    logs: () => logs,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
