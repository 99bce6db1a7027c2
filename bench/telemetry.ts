// What telemetry costs. Calls: `process(f64)` of the WAT scalars component through
// `workload.call` with telemetry off (the no-op) against the OpenTelemetry SDK exporting to a
// sink on 127.0.0.1 (a span, a counter, a histogram per call). Loading: the SDK's import time
// and resident memory in a fresh process, against that process with telemetry off.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { loadTelemetry } from '../src/telemetry/load-telemetry.js';
import { median, nsPerOp, row } from './measure.js';
import { watComponent } from './wat-component.js';

const LOAD = fileURLToPath(new URL('../src/telemetry/load-telemetry.js', import.meta.url));

/** Import time and RSS growth of turning telemetry on (or not) in a fresh Node process. */
function loadInChild(on: boolean): { ms: number; rssMb: number } {
  const script = `const t0 = performance.now(); const rss0 = process.memoryUsage().rss;
    const { loadTelemetry } = await import(${JSON.stringify(LOAD)});
    const t = await loadTelemetry(${on ? "{ otlpEndpoint: 'http://127.0.0.1:9', prometheus: true, resource: {} }" : '{ resource: {} }'});
    const ms = performance.now() - t0; const rssMb = (process.memoryUsage().rss - rss0) / 1048576;
    console.log(JSON.stringify({ ms, rssMb })); await t.shutdown().catch(() => {}); process.exit(0);`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { ms: number; rssMb: number };
}

export async function telemetryBench(): Promise<string[]> {
  const sink = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const telemetry = await loadTelemetry({ otlpEndpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, resource: { 'service.name': 'bench' }, exportIntervalMs: 1000 });
  const off = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {} });
  const on = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {}, telemetry });
  const bytes = await watComponent('scalars');
  const plain = await off.instantiate(await off.load(bytes));
  const traced = await on.instantiate(await on.load(bytes));
  let x = 20;
  const next = () => (x = x > 30 ? 20 : x + 0.01);
  const ns = nsPerOp({ off: () => plain.call('process', next()), on: () => traced.call('process', next()) }, 2_000);
  await telemetry.shutdown();
  sink.close();
  const loads = (on_: boolean) => {
    const runs = Array.from({ length: 5 }, () => loadInChild(on_));
    return { ms: median(runs.map((r) => r.ms)), rssMb: median(runs.map((r) => r.rssMb)) };
  };
  const [loadOff, loadOn] = [loads(false), loads(true)];
  return [
    'telemetry (in-process call through workload.call; SDK load in a fresh process, median of 5)',
    row('call, telemetry off (no-op)', ns.off, 'ns'),
    row('call, OpenTelemetry SDK exporting over OTLP', ns.on, 'ns', { label: 'off', value: ns.off }),
    row('load, telemetry off', loadOff.ms, 'ms'),
    row('load, SDK (traces, metrics, logs, Prometheus)', loadOn.ms, 'ms', { label: 'off', value: loadOff.ms }),
    row('RSS growth, telemetry off', loadOff.rssMb, 'MiB'),
    row('RSS growth, SDK loaded', loadOn.rssMb, 'MiB', { label: 'off', value: loadOff.rssMb }),
  ];
}
