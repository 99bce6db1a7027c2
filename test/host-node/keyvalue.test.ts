// wasi:keyvalue end to end: the kv-counter example component (QuickJS) on a Node host,
// its buckets in a real SQLite file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHost } from '../../host-node/node-host.js';
import { createSqliteStore } from '../../host-node/sqlite-store.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { createKeyValueProvider } from '../../src/capabilities/keyvalue-provider.js';
import type { LogEntry } from '../../src/capabilities/provider.js';
import type { Grants } from '../../src/capabilities/grants.js';
import type { Store } from '../../src/ports/store.js';

const COMPONENT = fileURLToPath(new URL('../../examples/kv-counter-js/kv-counter.wasm', import.meta.url));
const GRANTS: Grants = { keyvalue: { buckets: ['counts', 'last'] } };

let dir: string;
let bytes: Uint8Array;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wasmhost-keyvalue-'));
  bytes = await readFile(COMPONENT);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A Node host whose keyvalue provider uses `store`; the artifact cache is shared by every host of the test. */
async function start(store: Store) {
  const logs: LogEntry[] = [];
  const host = createNodeHost({
    cacheDir: join(dir, 'cache'),
    providers: [createWasiProvider(), createKeyValueProvider(store)],
    log: (entry) => logs.push(entry),
  });
  const component = await host.load(bytes);
  const run = (name: string, grants: Grants = GRANTS) => host.instantiate(component, { name, grants });
  return { host, component, run, logs };
}

const ok = (val: unknown) => ({ tag: 'ok', val });

describe('wasi:keyvalue on a Node host with SQLite', () => {
  it('keeps counts and values across a host restart', async () => {
    const path = join(dir, 'restart.db');
    const firstStore = createSqliteStore({ path });
    const first = await start(firstStore);
    const before = await first.run('greenhouse');
    expect([1, 2, 3].map(() => before.call('count', 'temperature'))).toEqual([ok(1n), ok(2n), ok(3n)]);
    expect(before.call('count', 'humidity')).toEqual(ok(1n));
    expect(before.call('remember', 'temperature', '21.5 °C')).toEqual(ok(undefined));
    expect(first.logs).toContainEqual({ workload: 'greenhouse', level: 'debug', context: 'kv-counter', message: 'temperature: count 3' });
    firstStore.close();
    // The old instance's store is gone: an error value, not a trap.
    expect(before.call('count', 'temperature')).toEqual({ tag: 'err', val: expect.stringMatching(/^counts: other: .*closed/) });
    expect(before.dead).toBe(false);

    const secondStore = createSqliteStore({ path });
    try {
      const after = await (await start(secondStore)).run('greenhouse');
      expect(after.call('count', 'temperature')).toEqual(ok(4n));
      expect(after.call('counts')).toEqual(ok([['humidity', 1n], ['temperature', 4n]]));
      expect(after.call('last', 'temperature')).toEqual(ok('21.5 °C'));
      expect(after.call('remember', 'temperature', '22 °C')).toEqual(ok('21.5 °C'));
      expect(new TextDecoder().decode(secondStore.get('greenhouse', 'counts', 'temperature'))).toBe('4');
    } finally {
      secondStore.close();
    }
  });

  it('refuses to instantiate without a keyvalue grant, naming the interface', async () => {
    const store = createSqliteStore({ path: join(dir, 'denied.db') });
    try {
      const { run } = await start(store);
      await expect(run('no-grant', {})).rejects.toMatchObject({
        code: 'denied',
        // Imports needing the same grant share one line.
        message: expect.stringMatching(/wasi:keyvalue\/store@0\.2\.0-draft2[^\n]*: not granted \(the deployment needs a 'keyvalue' grant\)/),
      });
    } finally {
      store.close();
    }
  });

  it('returns access-denied to the component for a bucket it was not granted', async () => {
    const store = createSqliteStore({ path: join(dir, 'scope.db') });
    try {
      const { run } = await start(store);
      const workload = await run('scoped', { keyvalue: { buckets: ['last'] } });
      expect(workload.call('try-open', 'secret')).toBe('access-denied');
      expect(workload.call('try-open', 'last')).toBe('ok');
      expect(workload.call('count', 'temperature')).toEqual({ tag: 'err', val: 'counts: access-denied' });
      expect(workload.call('remember', 'temperature', 'still works')).toEqual(ok(undefined));
      expect(workload.dead).toBe(false);
      expect(store.keys('scoped', 'counts')).toEqual({ keys: [] });
    } finally {
      store.close();
    }
  });

  it('keeps two workloads with the same bucket names apart', async () => {
    const store = createSqliteStore({ path: join(dir, 'tenants.db') });
    try {
      const { run } = await start(store);
      const a = await run('tenant-a');
      const b = await run('tenant-b');
      a.call('count', 'door');
      a.call('count', 'door');
      a.call('remember', 'door', 'open');
      expect(b.call('count', 'door')).toEqual(ok(1n));
      expect(b.call('last', 'door')).toEqual(ok(undefined));
      expect(a.call('counts')).toEqual(ok([['door', 2n]]));
      expect(b.call('counts')).toEqual(ok([['door', 1n]]));
      expect(a.call('last', 'door')).toEqual(ok('open'));
    } finally {
      store.close();
    }
  });

  it('lists more counters than one page holds', async () => {
    const store = createSqliteStore({ path: join(dir, 'pages.db') });
    try {
      const { run } = await start(store);
      const workload = await run('many');
      const sensors = Array.from({ length: 250 }, (_, i) => `s${String(i).padStart(3, '0')}`);
      for (const s of sensors) workload.call('count', s);
      workload.call('count', 's007');
      const result = workload.call('counts') as { tag: string; val: [string, bigint][] };
      expect(result.val).toHaveLength(250);
      expect(result.val[7]).toEqual(['s007', 2n]);
    } finally {
      store.close();
    }
  });

  it('retries remember when another writer changes the value between read and swap', async () => {
    const store = createSqliteStore({ path: join(dir, 'cas.db') });
    let interfered = false;
    // Another writer (a second host on the same file, say) sets the key just before the first swap.
    const racing: Store = {
      ...store,
      compareAndSwap(ns, bucket, key, expected, value) {
        if (!interfered) {
          interfered = true;
          store.set(ns, bucket, key, new TextEncoder().encode('written meanwhile'));
        }
        return store.compareAndSwap(ns, bucket, key, expected, value);
      },
    };
    try {
      const { run, logs } = await start(racing);
      const workload = await run('racer');
      expect(workload.call('remember', 'valve', 'closed')).toEqual(ok('written meanwhile'));
      expect(workload.call('last', 'valve')).toEqual(ok('closed'));
      expect(logs).toContainEqual({ workload: 'racer', level: 'info', context: 'kv-counter', message: 'valve: value changed while remembering; retrying' });
    } finally {
      store.close();
    }
  });
});
