// A resource method call from a component to its host, in-process (jco's own handle table)
// and from a worker (the host's resource table, the blocking channel): the meters fixture's
// `add-many(n)` makes a meter, calls `[method]meter.add` n times, and drops it.
// Run alone: `npm run build && node dist/bench/resources.js`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { createNodeHost } from '../host-node/node-host.js';
import type { CapabilityProvider } from '../src/capabilities/provider.js';
import { median, row } from './measure.js';

const N = 20_000;

async function meters(): Promise<Uint8Array> {
  const dir = fileURLToPath(new URL('../../test/fixtures/wat/', import.meta.url));
  const [wat, wit] = await Promise.all([readFile(`${dir}meters.wat`, 'utf8'), readFile(`${dir}meters.wit`, 'utf8')]);
  return componentNew(await componentEmbed({ binary: await parse(wat), witSource: wit, world: 'metering' }));
}

const provider: CapabilityProvider = {
  name: 'meters',
  offers: [{ name: 'test:meters/meters', version: '0.1.0' }],
  create: () => {
    class Meter {
      constructor(public value: number) {}
      add(n: number): number { return (this.value += n); }
      static zero(): Meter { return new Meter(0); }
    }
    return { 'test:meters/meters': { Meter, find: () => undefined, peek: (m: Meter) => m.value, keep: () => {} } };
  },
};

/** µs per method call: (time of add-many(N) − time of add-many(0)) / N, median of rounds. */
async function perCall(call: (n: number) => unknown): Promise<number> {
  const samples: number[] = [];
  await call(100);
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    await call(0);
    const t1 = performance.now();
    await call(N);
    const t2 = performance.now();
    samples.push(((t2 - t1 - (t1 - t0)) * 1000) / N);
  }
  return median(samples);
}

export async function resourceCalls(): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'wasmhost-bench-resources-'));
  try {
    const host = createNodeHost({ cacheDir: dir, log: () => {} });
    const component = await host.load(await meters());
    const inProcess = await host.instantiate(component, { name: 'meters', providers: [provider] });
    const isolated = await host.startIsolated(component, { name: 'meters', providers: [provider], limits: { callTimeoutMs: 60_000, memoryBytes: 4 << 20 } });
    const local = await perCall((n) => inProcess.call('add-many', n));
    const worker = await perCall((n) => isolated.call('add-many', n));
    await isolated.close();
    return [
      `resource method calls (meters fixture, [method]meter.add, ${N} per round, median of 7)`,
      row('in-process (jco handle table)', local, 'µs/call'),
      row('worker (host resource table, blocking channel)', worker, 'µs/call', { label: 'in-process', value: local }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await resourceCalls()) console.log(line);
