// How many idle workloads fit: N tiny in-process instances, then M isolated ones (a worker each,
// default and `--profile small` worker settings), RSS per workload from the growth of this
// process's RSS, every instance answering a call first.
import { createHost } from '../src/create-host.js';
import { createMemoryArtifactCache } from '../src/memory/memory-artifact-cache.js';
import { createThreadIsolate, type ThreadIsolateOptions } from '../host-node/thread-isolate.js';
import { profileSettings } from '../host-node/agent-profile.js';
import type { IsolatedWorkload } from '../src/runtime/isolated-workload.js';
import type { Workload } from '../src/runtime/workload.js';
import { row } from './measure.js';
import { watComponent } from './wat-component.js';

const MiB = 1048576;
const rss = () => process.memoryUsage().rss / MiB;
const settle = async () => {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
};

/** Density of the WAT `scalars` component: `inProcess` instances, then isolated ones in default and small-profile workers. */
export async function density(inProcess = 1000, isolated = 200, isolatedSmall = 50): Promise<string[]> {
  const bytes = await watComponent('scalars');
  const lines = [`density (WAT scalars component; RSS growth of this process per idle workload, each answered a call)`];
  {
    const host = createHost({ artifactCache: createMemoryArtifactCache(), log: () => {} });
    const component = await host.load(bytes);
    await host.engine.prepare(component);
    await settle();
    const before = rss();
    const start = performance.now();
    const all: Workload[] = [];
    for (let i = 0; i < inProcess; i++) {
      const w = await host.instantiate(component, { name: `tiny-${i}` });
      if (w.call('add', i, 1) !== i + 1) throw new Error('bench: a tiny workload answered wrongly');
      all.push(w);
    }
    const ms = performance.now() - start;
    await settle();
    const grown = rss() - before;
    lines.push(row(`${inProcess} in-process workloads: RSS growth`, grown, 'MiB'));
    lines.push(row('  per in-process workload', (grown * 1024) / inProcess, 'KiB'));
    lines.push(row('  start + first call, each (sequential)', ms / inProcess, 'ms'));
    for (const w of all) w.close();
  }
  const kinds: [string, ThreadIsolateOptions, number][] = [['default workers', {}, isolated], ['--profile small workers', profileSettings('small')!.isolate, isolatedSmall]];
  for (const [label, options, count] of kinds) {
    const isolate = createThreadIsolate(options);
    const host = createHost({ artifactCache: createMemoryArtifactCache(), isolate, log: () => {} });
    const component = await host.load(bytes);
    const limits = { callTimeoutMs: 5000, memoryBytes: MiB, heapMb: options.heapMb };
    await (await host.startIsolated(component, { name: 'warm-up', limits })).close();
    await settle();
    const before = rss();
    const start = performance.now();
    const all: IsolatedWorkload[] = [];
    // Ten at a time: the host starts workloads as deployments arrive, not all at once.
    for (let i = 0; i < count; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => host.startIsolated(component, { name: `iso-${i + j}`, limits })));
      for (const [j, w] of batch.entries()) if ((await w.call('add', i + j, 1)) !== i + j + 1) throw new Error('bench: an isolated workload answered wrongly');
      all.push(...batch);
    }
    const ms = performance.now() - start;
    await settle();
    const grown = rss() - before;
    lines.push(row(`${count} isolated workloads, ${label}: RSS growth`, grown, 'MiB'));
    lines.push(row('  per isolated workload', grown / count, 'MiB'));
    lines.push(row('  start + first call, each (10 in flight)', ms / count, 'ms'));
    await Promise.all(all.map((w) => w.close()));
    await isolate.close();
  }
  return lines;
}
