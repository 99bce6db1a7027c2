// `wasmhost agent --otel <receiver> --metrics-port 0` as a real process, against mosquitto
// (MQTT 5) and a peer in this test: a worker-isolated sensor-filter samples peer-7/temperature
// every 200 ms. A real OTLP/HTTP receiver in the test gets the deploy trace, one trace from the
// trigger through the worker's call and its forwarded import to the peer rpc (whose W3C
// traceparent the peer received in its MQTT 5 user properties), metrics and logs; the Prometheus
// endpoint is scraped and parsed; capabilities say otelCollector; without telemetry no
// @opentelemetry module is loaded.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../agent/agent-process.js';
import { startFleetManager } from '../agent/fleet-fixtures.js';
import { haveMosquitto, noMosquitto, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver.js';
import { parsePrometheusText } from '../../support/prometheus-text.js';
import { peerFilterDeployment, startPeer } from '../../support/telemetry-peer.js';
import { parseTraceParent } from '../../../src/telemetry/traceparent.js';

const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';
const DENY_OTEL = fileURLToPath(new URL('../../support/deny-otel-imports.mjs', import.meta.url));
const digest = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: () => string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!haveMosquitto)('agent telemetry: OTLP/HTTP to a receiver, Prometheus text, otelCollector', () => {
  if (!haveMosquitto) console.warn(noMosquitto);
  let root: string;
  let broker: Mosquitto;
  let receiver: OtlpReceiver;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wasmhost-otel-'));
    broker = await startMosquitto();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await receiver?.close();
    await broker?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('exports the deploy trace, a trigger → call → import → peer rpc trace carried to the peer, metrics and logs; /metrics has the same metrics', async () => {
    const desired = join(root, 'desired');
    await mkdir(desired);
    await copyFile(FILTER, join(desired, 'sensor-filter.wasm'));
    await writeFile(join(desired, 'peer-filter.yaml'), peerFilterDeployment(digest(FILTER), { window: 'not-a-number' }));
    const peer = await startPeer(broker.url);
    stops.push(() => peer.close());
    const state = join(root, 'state');
    const agent: AgentProcess = startAgent(
      ['--desired', desired, '--broker', broker.url, '--no-simulated-device', '--otel', receiver.url, '--metrics-port', '0'],
      state, { OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BLRP_SCHEDULE_DELAY: '200' },
    );
    stops.push(() => agent.stop('SIGKILL'));
    await agent.untilOutput(/\[bus\] greenhouse\/peer-7\/filtered \{"ok":\{"value":21\.5/);
    const deviceId = (await agent.status())!.deviceId;

    // Every request was OTLP JSON (each signal's batch arrives on its own schedule).
    const kinds = () => new Set(receiver.requests().map((r) => `${r.path} ${r.contentType}`));
    await eventually(() => kinds().size >= 3 || undefined, () => `traces, metrics and logs; got ${JSON.stringify([...kinds()])}`);
    expect(kinds()).toEqual(new Set(['/v1/traces application/json', '/v1/metrics application/json', '/v1/logs application/json']));

    // The deploy trace: deploy → fetch, transpile, instantiate.
    const spans = () => receiver.spans();
    const deploy = await eventually(() => spans().find((s) => s.name === 'deploy'), () => `a deploy span in ${JSON.stringify(spans().map((s) => s.name))}`);
    expect(deploy.attributes['wasmhost.deployment']).toBe('peer-filter');
    expect(deploy.resource).toMatchObject({ 'service.name': 'wasmhost', 'service.instance.id': deviceId, 'wasmhost.device.class': 'linux' });
    const children = spans().filter((s) => s.parentSpanId === deploy.spanId).map((s) => s.name);
    expect(children).toEqual(expect.arrayContaining(['fetch', 'transpile', 'instantiate']));

    // One trace from the trigger to the peer: trigger → call sample → import sensors#read → peer rpc read.
    const rpc = await eventually(() => spans().find((s) => s.name === 'peer rpc read' && s.parentSpanId), () => 'a peer rpc span with a parent');
    const byId = (id?: string) => spans().find((s) => s.spanId === id);
    const chain: ReceivedSpan[] = [rpc];
    for (let s = byId(rpc.parentSpanId); s; s = byId(s.parentSpanId)) chain.unshift(s);
    expect(chain.map((s) => s.name)).toEqual(['trigger interval', 'call sample', 'import wasmhost:device/sensors#read', 'peer rpc read']);
    expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
    expect(chain[1].attributes).toMatchObject({ 'wasmhost.workload': 'peer-filter/filter', 'wasmhost.export': 'sample' });
    expect(rpc.attributes).toMatchObject({ 'wasmhost.peer': 'peer-7', 'wasmhost.rpc.op': 'read', 'wasmhost.rpc.name': 'temperature' });
    // The peer got that span's context in the request's MQTT 5 user properties.
    const carried = peer.traceparents.map((t) => t && parseTraceParent(t));
    expect(carried).toContainEqual({ traceId: rpc.traceId, spanId: rpc.spanId, sampled: true });
    expect(peer.traceparents.every((t) => t !== undefined)).toBe(true);

    // Metrics.
    const metric = (name: string) => receiver.metrics().filter((m) => m.name === name).at(-1);
    const calls = await eventually(() => metric('wasmhost.calls'), () => 'wasmhost.calls');
    expect(calls.kind).toBe('sum');
    expect(calls.points.find((p) => p.attributes['wasmhost.workload'] === 'peer-filter/filter' && p.attributes['wasmhost.outcome'] === 'ok')!.value).toBeGreaterThan(0);
    expect(metric('wasmhost.call.duration')).toMatchObject({ kind: 'histogram', unit: 'ms' });
    expect(metric('wasmhost.bridge.rpc.duration')!.points[0].attributes).toEqual({ 'wasmhost.peer': 'peer-7' });
    expect(metric('wasmhost.bridge.rpcs')!.points[0].value).toBeGreaterThan(0);
    expect(metric('wasmhost.import.calls')!.points[0].attributes).toMatchObject({ 'wasmhost.import': 'wasmhost:device/sensors#read' });
    expect(metric('wasmhost.peers.online')!.points[0].value).toBe(1);
    expect(metric('wasmhost.workloads')!.points[0].value).toBe(1);
    expect(metric('wasmhost.memory.used')!.points[0].value).toBeGreaterThan(1 << 20);
    // Per workload: its linear memory and (in a Node worker) its worker's heap.
    const workloadMemory = metric('wasmhost.workload.memory')!.points.filter((p) => p.attributes['wasmhost.workload'] === 'peer-filter/filter');
    expect(workloadMemory.map((p) => p.attributes['wasmhost.memory.kind']).sort()).toEqual(['heap', 'linear']);
    expect(workloadMemory.every((p) => (p.value ?? 0) >= 65536)).toBe(true);
    expect(calls.resource['service.instance.id']).toBe(deviceId);

    // Logs: the workload's wasi:logging line (bad config), the host's status events, the bridge's.
    const logs = () => receiver.logs();
    const workloadLog = await eventually(() => logs().find((l) => l.body.includes('config "window"')), () => `the workload's log line in ${JSON.stringify(logs().map((l) => l.body))}`);
    expect(workloadLog).toMatchObject({ severityText: 'WARN', attributes: { 'wasmhost.workload': 'peer-filter/filter' } });
    await eventually(() => logs().find((l) => l.body === 'deployment peer-filter installed'), () => 'the installed event');
    expect(logs().some((l) => l.body.includes('peer peer-7 online'))).toBe(true);

    // Prometheus: the same metrics, as text 0.0.4.
    const { metrics: metricsUrl } = JSON.parse(await readFile(join(state, 'agent.json'), 'utf8')) as { metrics: string };
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scrape = await fetch(metricsUrl);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await scrape.text());
    expect(families.get('wasmhost_calls_total')!.type).toBe('counter');
    expect(families.get('wasmhost_peers_online')!.samples).toEqual([{ name: 'wasmhost_peers_online', labels: {}, value: 1 }]);
    const duration = families.get('wasmhost_call_duration_milliseconds')!;
    expect(duration.type).toBe('histogram');
    const buckets = duration.samples.filter((s) => s.name.endsWith('_bucket'));
    const count = duration.samples.find((s) => s.name.endsWith('_count'))!.value;
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: count });
    expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b));
    expect(families.get('wasmhost_bridge_rpc_duration_milliseconds')!.type).toBe('histogram');
    expect(families.has('wasmhost_memory_used_bytes')).toBe(true);
    expect(families.get('wasmhost_workload_memory_bytes')!.samples.length).toBeGreaterThanOrEqual(2);

    expect(await agent.stop('SIGTERM')).toBe(0);
  }, 90_000);

  it('reports otelCollector true to the fleet manager when OTEL_EXPORTER_OTLP_ENDPOINT names a collector, false without one', async () => {
    type Reports = { method: string; manifest: { properties: { otelCollector?: boolean } } }[];
    /** The capabilities an agent reports to a fleet manager of its own. */
    const capabilitiesOf = async (name: string, env: Record<string, string>) => {
      const fleet = join(root, `fleet-${name}`);
      await mkdir(fleet);
      const fm = await startFleetManager(fleet);
      stops.push(async () => fm.stop());
      const agent = startAgent(['--wfm', fm.url, '--insecure-http', '--poll-seconds', '0.2', '--no-simulated-device', '--broker-port', '0'], join(root, `state-${name}`), env);
      stops.push(() => agent.stop('SIGKILL'));
      const { deviceId } = await agent.until(() => true);
      const reports = await eventually(async () => {
        const response = await fetch(`${fm.url}/debug/capabilities/${encodeURIComponent(deviceId)}`);
        return response.ok ? ((await response.json()) as Reports) : undefined;
      }, () => `a capabilities report\n${agent.output()}`);
      expect(await agent.stop('SIGTERM')).toBe(0);
      return reports[0].manifest.properties;
    };
    expect((await capabilitiesOf('with', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })).otelCollector).toBe(true);
    expect((await capabilitiesOf('without', { OTEL_EXPORTER_OTLP_ENDPOINT: '' })).otelCollector).toBe(false);
  }, 60_000);

  it('loads no @opentelemetry module without --otel or --metrics-port (importing one fails under the hook, and does with --otel)', async () => {
    const env = { NODE_OPTIONS: `--import=${DENY_OTEL}`, OTEL_EXPORTER_OTLP_ENDPOINT: '' };
    const off = startAgent(['--no-simulated-device', '--broker-port', '0'], join(root, 'off'), env);
    stops.push(() => off.stop('SIGKILL'));
    await off.until(() => true);
    expect(await off.stop('SIGTERM')).toBe(0);
    expect(off.output()).not.toContain('must not be loaded');

    const on = startAgent(['--no-simulated-device', '--broker-port', '0', '--otel', receiver.url], join(root, 'on'), env);
    stops.push(() => on.stop('SIGKILL'));
    await on.untilOutput('must not be loaded');
  }, 60_000);

  it('refuses a collector URL that is not http(s), naming it, before it connects to anything', async () => {
    const agent = startAgent(['--no-simulated-device', '--broker-port', '0', '--otel', 'collector:4318'], join(root, 'bad-url'));
    const code = await new Promise((resolve) => (agent.child.exitCode !== null ? resolve(agent.child.exitCode) : agent.child.once('exit', resolve)));
    expect(code).toBe(1);
    expect(agent.output()).toContain("collector URL 'collector:4318' must be http: or https: (OTLP/HTTP)");
  }, 30_000);
});
