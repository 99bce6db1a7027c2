// Resources in worker isolation: wasi:keyvalue buckets, wasi:messaging clients and messages,
// and a vendor resource live in the host's table; the worker holds handles. Real workers
// (the worker entry runs from dist/), a real SQLite file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHost } from '../../host-node/node-host.js';
import { createSqliteStore } from '../../host-node/sqlite-store.js';
import { createWasiProvider } from '../../host-node/wasi-provider.js';
import { createKeyValueProvider } from '../../src/capabilities/keyvalue-provider.js';
import type { Grants } from '../../src/capabilities/grants.js';
import type { LogEntry } from '../../src/capabilities/provider.js';
import type { Store } from '../../src/ports/store.js';
import type { IsolatedWorkload, IsolationEvent } from '../../src/runtime/isolated-workload.js';
import type { CapabilityProvider } from '../../src/capabilities/provider.js';
import type { Isolate } from '../../src/ports/isolate.js';
import type { BusMessage } from '../../src/ports/message-bus.js';
import { createMqttBus } from '../../src/bridge/mqtt-bus.js';
import { createMqttTransport } from '../../host-node/mqtt-transport.js';
import { haveMosquitto, startMosquitto } from '../support/mosquitto.js';
import type { WorkerToHost } from '../../src/runtime/isolate-protocol.js';
import { createThreadIsolate } from '../../host-node/thread-isolate.js';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

const KV = fileURLToPath(new URL('../../examples/kv-counter-js/kv-counter.wasm', import.meta.url));
const KV_GRANTS: Grants = { keyvalue: { buckets: ['counts', 'last'] } };
const MiB = 1048576;
const ok = (val: unknown) => ({ tag: 'ok', val });

let dir: string;
let kvBytes: Uint8Array;
beforeAll(async () => {
  checkBuilt();
  dir = await mkdtemp(join(tmpdir(), 'wasmhost-worker-resources-'));
  kvBytes = await readFile(KV);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Resolves once `condition` holds (the test's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

/** Fails early when dist/ (where workers run from) is older than the worker's sources. */
function checkBuilt(): void {
  const root = new URL('../../', import.meta.url);
  const built = statSync(new URL('dist/host-node/workload-worker.js', root), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = ['src/runtime/worker-runtime.ts', 'src/runtime/worker-resources.ts', 'src/runtime/sync-call-channel.ts', 'src/runtime/isolate-protocol.ts'];
  if (sources.some((s) => statSync(new URL(s, root)).mtimeMs > built)) throw new Error('dist/ is missing or older than the worker sources: run `npm run build`');
}

async function kvHost(store: Store) {
  const logs: LogEntry[] = [];
  const host = createNodeHost({ cacheDir: join(dir, 'cache'), providers: [createWasiProvider(), createKeyValueProvider(store)], log: (e) => logs.push(e) });
  const component = await host.load(kvBytes);
  const start = (name: string, limits = { callTimeoutMs: 5000, memoryBytes: 64 * MiB }): Promise<IsolatedWorkload> =>
    host.startIsolated(component, { name, grants: KV_GRANTS, limits, backoff: { initialMs: 10 } });
  return { host, start, logs };
}

describe('wasi:keyvalue in a worker', () => {
  it('counts in a bucket the host keeps, and the counts survive a host restart', async () => {
    const path = join(dir, 'kv.db');
    const store = createSqliteStore({ path });
    const { start } = await kvHost(store);
    const w = await start('greenhouse');
    expect(await w.call('count', 'temperature')).toEqual(ok(1n));
    expect(await w.call('count', 'temperature')).toEqual(ok(2n));
    expect(await w.call('remember', 'temperature', '21.5 °C')).toEqual(ok(undefined));
    await w.close();
    store.close();
    const again = createSqliteStore({ path });
    const w2 = await (await kvHost(again)).start('greenhouse');
    expect(await w2.call('count', 'temperature')).toEqual(ok(3n));
    expect(await w2.call('last', 'temperature')).toEqual(ok('21.5 °C'));
    await w2.close();
    again.close();
  });
});

/** test/fixtures/wat/meters.{wat,wit} built with jco's API. */
async function buildMeters(): Promise<Uint8Array> {
  const fixtures = fileURLToPath(new URL('../fixtures/wat/', import.meta.url));
  const [wat, wit] = await Promise.all([readFile(join(fixtures, 'meters.wat'), 'utf8'), readFile(join(fixtures, 'meters.wit'), 'utf8')]);
  return componentNew(await componentEmbed({ binary: await parse(wat), witSource: wit, world: 'metering' }));
}

/** A vendor's provider of `test:meters/meters`: meters 1 and 2 exist on the host; it records disposals and kept meters. */
function metersProvider() {
  const disposed: number[] = [];
  const kept: number[] = [];
  class Meter {
    constructor(public value: number) {}
    add(n: number): number { return (this.value += n); }
    static zero(): Meter { return new Meter(0); }
    [Symbol.dispose](): void { disposed.push(this.value); }
  }
  const known = new Map([[1, new Meter(100)], [2, new Meter(200)]]);
  const provider: CapabilityProvider = {
    name: 'meters',
    offers: [{ name: 'test:meters/meters', version: '0.1.0' }],
    create: () => ({
      'test:meters/meters': {
        Meter,
        find: (id: number) => known.get(id),
        peek: (m: Meter) => m.value,
        keep: (m: Meter) => void kept.push(m.value),
      },
    }),
  };
  return { provider, disposed, kept, known };
}

describe('a vendor resource in a worker', () => {
  let meters: Uint8Array;
  beforeAll(async () => {
    meters = await buildMeters();
  });

  async function setup(limits = { callTimeoutMs: 2000, memoryBytes: 4 * MiB }, isolate?: Isolate) {
    const vendor = metersProvider();
    const events: IsolationEvent[] = [];
    const host = createNodeHost({ cacheDir: join(dir, 'cache'), log: () => {}, isolate });
    const component = await host.load(meters);
    const w = await host.startIsolated(component, { name: 'meters', providers: [vendor.provider], limits, backoff: { initialMs: 10 }, onEvent: (e) => events.push(e) });
    return { ...vendor, host, component, w, events };
  }

  it('constructs, calls methods and statics, borrows, drops and hands over meters as jco does in-process', async () => {
    const calls: [string, ...unknown[]][] = [['count', 5, 3], ['hold', 1, 7], ['hold', 2, 1], ['hold', 9, 1], ['give', 4], ['release'], ['count', 0, 0]];
    // The oracle: the same calls on jco's glue in the host's thread, with a provider of its own.
    const oracle = metersProvider();
    const { host, component, w, disposed, kept } = await setup();
    const inProcess = await host.instantiate(component, { name: 'meters-oracle', providers: [oracle.provider] });
    try {
      for (const [fn, ...args] of calls) expect(await w.call(fn, ...args)).toEqual(inProcess.call(fn, ...args));
      expect(disposed).toEqual(oracle.disposed);
      expect(kept).toEqual(oracle.kept);
      expect(kept).toEqual([4]);
      // count's meters and the held ones were dropped (each disposed once); nothing is left in the table.
      expect(disposed).toEqual([8, 107, 201, 0]);
      expect(w.liveResources).toBe(0);
    } finally {
      await w.close();
      inProcess.close?.();
    }
  });
});

describe('a vendor resource in a worker, under limits', () => {
  let meters: Uint8Array;
  beforeAll(async () => {
    meters = await buildMeters();
  });

  async function setup(limits: { callTimeoutMs: number; memoryBytes: number }, isolate?: Isolate) {
    const vendor = metersProvider();
    const events: IsolationEvent[] = [];
    const host = createNodeHost({ cacheDir: join(dir, 'cache'), log: () => {}, isolate });
    const component = await host.load(meters);
    const w = await host.startIsolated(component, { name: 'meters', providers: [vendor.provider], limits, backoff: { initialMs: 10 }, onEvent: (e) => events.push(e) });
    return { ...vendor, w, events };
  }

  /** Resolves once the workload has started again after `restarts` restarts. */
  const restarted = (w: IsolatedWorkload, restarts: number) => until(() => w.restarts >= restarts && w.state === 'running');

  it('a call past its time limit kills the worker; the host releases (disposes of) the meters it held, and the new worker works', async () => {
    const { w, disposed, events } = await setup({ callTimeoutMs: 300, memoryBytes: 4 * MiB });
    try {
      expect(await w.call('hold', 1, 1)).toBe(101);
      await expect(w.call('spin', 42)).rejects.toMatchObject({ code: 'trap', data: { reason: 'timeout' } });
      expect(w.liveResources).toBe(0);
      expect(disposed.sort()).toEqual([101, 42].sort());
      expect(events).toContainEqual(expect.objectContaining({ type: 'stopped', reason: 'timeout' }));
      await restarted(w, 1);
      expect(await w.call('count', 1, 2)).toBe(3);
      expect(await w.call('hold', 2, 5)).toBe(205);
      expect(w.liveResources).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('a memory blow-up stops the worker with out-of-memory; its meters are released and the restart works', async () => {
    const { w, disposed } = await setup({ callTimeoutMs: 2000, memoryBytes: 2 * MiB });
    try {
      expect(await w.call('hold', 2, 0)).toBe(200);
      expect(w.liveResources).toBe(1);
      await expect(w.call('grow', 64)).rejects.toMatchObject({ code: 'trap', data: { reason: 'out-of-memory' } });
      expect(w.liveResources).toBe(0);
      expect(disposed).toEqual([200]);
      await restarted(w, 1);
      expect(await w.call('count', 7, 0)).toBe(7);
    } finally {
      await w.close();
    }
  });

  it('a stale handle (the worker dropped it, then used it) is refused with a clear error; the host keeps serving and the restart works', async () => {
    // A misbehaving worker: besides its own messages, it sends the host a drop of handle 1 it still uses.
    let inject: ((message: WorkerToHost) => void) | undefined;
    const threads = createThreadIsolate();
    const misbehaving: Isolate = {
      spawn(options) {
        const worker = threads.spawn(options);
        return { ...worker, onMessage: (listener) => { inject = listener; worker.onMessage(listener); } };
      },
    };
    const { w, disposed } = await setup({ callTimeoutMs: 2000, memoryBytes: 4 * MiB }, misbehaving);
    try {
      expect(await w.call('hold', 1, 0)).toBe(100);
      inject!({ type: 'drop', handles: [1] });
      expect(disposed).toEqual([100]);
      await expect(w.call('peek-held')).rejects.toMatchObject({
        code: 'trap',
        message: expect.stringContaining("meters's worker named resource handle 1 (test:meters/meters meter), which is not live in its table: it was dropped, or never handed to this workload"),
      });
      await restarted(w, 1);
      expect(await w.call('hold', 2, 2)).toBe(202);
      expect(await w.call('peek-held')).toBe(202);
    } finally {
      await w.close();
    }
  });
});

describe.runIf(haveMosquitto)('wasi:messaging in a worker, over mosquitto', () => {
  const RELAY = fileURLToPath(new URL('../../examples/message-relay-js/message-relay.wasm', import.meta.url));
  const grants: Grants = { messaging: { publish: ['alarms/+'], subscribe: ['sensors/+/temperature'] } };
  const text = (b: Uint8Array) => new TextDecoder().decode(b);

  it('a message-triggered workload gets each message as a handle, publishes through a client handle, and holds only its client afterwards', async () => {
    const broker = await startMosquitto();
    const connect = async () => {
      const transport = createMqttTransport({ url: broker.url, protocolVersion: 5, connectTimeoutMs: 3000 });
      await transport.connect();
      return { transport, bus: createMqttBus(transport) };
    };
    const [device, outside] = [await connect(), await connect()];
    const logs: LogEntry[] = [];
    try {
      const host = createNodeHost({ cacheDir: join(dir, 'cache'), bus: device.bus, providers: [createWasiProvider()], log: (e) => logs.push(e) });
      const relay = await host.load(await readFile(RELAY));
      const w = await host.startIsolated(relay, { name: 'relay', grants, limits: { callTimeoutMs: 5000, memoryBytes: 64 * MiB } });
      await device.bus.flush();
      const alarms: BusMessage[] = [];
      const got = new Promise<void>((resolve) => outside.bus.subscribe('alarms/#', (m) => { alarms.push(m); resolve(); }));
      await outside.bus.flush();
      outside.bus.publish('sensors/t1/temperature', new TextEncoder().encode('29.5'));
      outside.bus.publish('sensors/t1/temperature', new TextEncoder().encode('31.25'));
      await got;
      expect(alarms.map((m) => [m.topic, text(m.payload), m.contentType])).toEqual([['alarms/t1', '{"sensor":"t1","value":31.25,"threshold":30}', 'application/json']]);
      // The log line and the drops are notes the worker posted; they may land after the alarm.
      await until(() => logs.length > 0 && w.liveResources === 1);
      expect(logs.filter((e) => e.workload === 'relay').map((e) => e.message)).toEqual(['t1: 31.25 above 30, alarm on alarms/t1']);
      // Left: the client the guest keeps; the messages handed in were dropped, the one it sent moved to the host.
      expect(w.liveResources).toBe(1);
      await w.close();
    } finally {
      await device.transport.close();
      await outside.transport.close();
      await broker.stop();
    }
  });
});
