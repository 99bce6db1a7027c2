// The OpenTelemetry SDK implementation with only the Prometheus reader (no network): the text
// follows exposition format 0.0.4 (parsed strictly), label values are escaped, histograms are
// cumulative; and loadTelemetry gives the no-op when nothing is configured.
import { describe, expect, it } from 'vitest';
import { collectorUrl, loadTelemetry } from '../../../src/telemetry/load-telemetry.js';
import { noopTelemetry } from '../../../src/telemetry/telemetry.js';
import { parsePrometheusText } from '../../support/prometheus-text.js';

describe('telemetry through the OpenTelemetry SDK, Prometheus text', () => {
  it('counters, histograms and gauges in text 0.0.4, with label values escaped', async () => {
    const telemetry = await loadTelemetry({ prometheus: true, resource: { 'service.name': 'wasmhost' } });
    const workload = 'a "quoted"\\back\nslash';
    telemetry.add('wasmhost.calls', 2, { 'wasmhost.workload': workload, 'wasmhost.outcome': 'ok' });
    for (const ms of [0.07, 3, 3, 20_000]) telemetry.record('wasmhost.call.duration', ms, { 'wasmhost.workload': 'w' });
    let peers = 2;
    const stop = telemetry.observe('wasmhost.peers.online', () => peers);
    const families = parsePrometheusText(await telemetry.prometheusText!());

    expect(families.get('wasmhost_calls_total')).toMatchObject({
      type: 'counter', help: 'Export calls into workloads, by workload and outcome',
      samples: [{ name: 'wasmhost_calls_total', labels: { wasmhost_workload: workload, wasmhost_outcome: 'ok' }, value: 2 }],
    });
    const h = families.get('wasmhost_call_duration_milliseconds')!;
    expect(h.type).toBe('histogram');
    const bucket = (le: string) => h.samples.find((s) => s.name.endsWith('_bucket') && s.labels.le === le)!.value;
    expect([bucket('0.05'), bucket('0.1'), bucket('5'), bucket('10000'), bucket('+Inf')]).toEqual([0, 1, 3, 3, 4]);
    expect(h.samples.find((s) => s.name.endsWith('_sum'))!.value).toBeCloseTo(20_006.07);
    expect(h.samples.find((s) => s.name.endsWith('_count'))!.value).toBe(4);
    expect(families.get('wasmhost_peers_online')!.samples[0].value).toBe(2);

    peers = 3;
    expect(parsePrometheusText(await telemetry.prometheusText!()).get('wasmhost_peers_online')!.samples[0].value).toBe(3);
    stop();
    await telemetry.shutdown();
  });

  it('nothing configured: the no-op, and no Prometheus text', async () => {
    const telemetry = await loadTelemetry({ resource: {} });
    expect(telemetry).toBe(noopTelemetry);
    expect(telemetry.prometheusText).toBeUndefined();
  });

  it('the collector URL: the flag wins over the environment, an empty variable is none, a non-http URL is refused', () => {
    expect(collectorUrl('http://a:4318', 'http://b:4318')).toBe('http://a:4318');
    expect(collectorUrl(undefined, 'http://b:4318')).toBe('http://b:4318');
    expect(collectorUrl(undefined, ' ')).toBeUndefined();
    expect(() => collectorUrl('collector:4318', undefined)).toThrow(/must be http: or https:/);
    expect(() => collectorUrl('not a url', undefined)).toThrow(/is not a URL/);
  });
});
