// The channel's two sides: the host side runs here, the blocking side in a real worker
// thread (Atomics.wait), loaded from dist/ because workers do not run TypeScript.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WasmhostError } from '../../../src/errors.js';
import { interfaceError } from '../../../src/capabilities/interface-error.js';
import { createSyncCallBuffer, decodeValue, encodeValue, serveSyncCalls, type SyncCallRequest, type SyncCallServer } from '../../../src/runtime/sync-call-channel.js';
import type { WorkerToHost } from '../../../src/runtime/isolate-protocol.js';

const BUILT = new URL('../../../dist/src/runtime/sync-call-channel.js', import.meta.url);
const SOURCE = new URL('../../../src/runtime/sync-call-channel.ts', import.meta.url);

// Runs a list of steps (blocking calls or notes) in the worker and posts what each gave.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url).then(({ createSyncCallClient }) => {
  const client = createSyncCallClient(workerData.buffer, { timeoutMs: workerData.timeoutMs, post: (m) => parentPort.postMessage(m) });
  parentPort.on('message', (steps) => {
    const out = [];
    for (const s of steps) {
      try {
        if (s.note) out.push({ noted: client.notify(s.iface, s.fn, s.args) });
        else out.push({ value: client.call(s.iface, s.fn, s.args) });
      } catch (e) {
        out.push({ thrown: e instanceof Error ? { name: e.name, code: e.code, message: e.message, data: e.data } : e });
      }
    }
    parentPort.postMessage({ type: 'steps', out });
  });
  parentPort.postMessage({ type: 'up' });
});`;

interface Step { iface: string; fn: string; args: unknown[]; note?: boolean }
type Outcome = { value?: unknown; thrown?: unknown; noted?: unknown };

let cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** A worker client and a host server on one buffer; `messages` collects the worker's notes and doorbells. */
async function channel(handler: (r: SyncCallRequest) => unknown, options: { timeoutMs?: number; waitAsync?: boolean; dataBytes?: number } = {}) {
  if ((statSync(BUILT, { throwIfNoEntry: false })?.mtimeMs ?? 0) < statSync(SOURCE).mtimeMs) {
    throw new Error('dist/ is missing or older than src/runtime/sync-call-channel.ts: run `npm run build` (npm test does)');
  }
  const buffer = createSyncCallBuffer(options.dataBytes);
  const server: SyncCallServer = serveSyncCalls(buffer, handler, { waitAsync: options.waitAsync });
  const worker = new Worker(WORKER, { eval: true, workerData: { url: BUILT.href, buffer, timeoutMs: options.timeoutMs ?? 5000 } });
  cleanup.push(() => server.close(), () => worker.terminate());
  const messages: WorkerToHost[] = [];
  let waiting: ((out: Outcome[]) => void) | undefined;
  worker.on('message', (m: WorkerToHost | { type: 'steps'; out: Outcome[] } | { type: 'up' }) => {
    if (m.type === 'steps') waiting?.(m.out);
    else if (m.type === 'doorbell') (messages.push(m), server.poke());
    else if (m.type !== 'up') messages.push(m);
  });
  await new Promise((resolve) => worker.once('message', resolve));
  const run = (steps: Step[]) => new Promise<Outcome[]>((resolve) => {
    waiting = resolve;
    worker.postMessage(steps);
  });
  return { run, messages, server };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('value encoding', () => {
  it('round-trips jco values exactly: -0, NaN, big integers, typed arrays, nesting', () => {
    const value = {
      ints: [0, -1, 2147483647, -2147483648, 2 ** 40], floats: [1.5, -0, NaN, Infinity],
      text: 'héllo ✓ 🌡', empty: '', big: [123n, -(2n ** 63n), 2n ** 64n - 1n],
      bytes: new Uint8Array([1, 2, 255]), f64s: new Float64Array([1.5, -2]), u64s: new BigUint64Array([2n ** 64n - 1n]),
      misc: [undefined, null, true, false], result: { tag: 'ok', val: { list: [], option: undefined } },
    };
    const back = decodeValue(encodeValue(value)) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.floats[1], -0)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.u64s).toBeInstanceOf(BigUint64Array);
  });

  it('encodes a view of part of a buffer as just that part', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 9]);
    expect(decodeValue(encodeValue(whole.subarray(2, 4)))).toEqual(new Uint8Array([1, 2]));
  });

  it('refuses values that are not plain data, naming what they are', () => {
    expect(() => encodeValue({ f: () => 1 })).toThrow(/a function cannot cross/);
    expect(() => encodeValue(new Map())).toThrow(/a Map cannot cross/);
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => encodeValue(cycle)).toThrow(/or a cycle/);
  });
});

describe('sync call channel', () => {
  it('blocks the worker while the host awaits an async provider, and returns its value', async () => {
    let timerRan = false;
    const { run } = await channel(async (r) => {
      setTimeout(() => (timerRan = true), 1); // the host's event loop keeps running meanwhile
      await sleep(20);
      return { iface: r.interface, fn: r.function, doubled: (r.args[0] as number) * 2, big: 7n };
    });
    const [out] = await run([{ iface: 'test:x/y', fn: 'double', args: [21] }]);
    expect(out.value).toEqual({ iface: 'test:x/y', fn: 'double', doubled: 42, big: 7n });
    expect(timerRan).toBe(true);
  });

  it("gives the guest a provider's err payload as jco expects, and any other throw as a WasmhostError", async () => {
    const { run } = await channel((r) => {
      if (r.function === 'denied') throw interfaceError({ tag: 'denied' });
      if (r.function === 'broken') throw new WasmhostError('io', 'disk on fire', { data: { disk: 1 } });
      throw new TypeError('not a function');
    });
    const out = await run([
      { iface: 'i', fn: 'denied', args: [] },
      { iface: 'i', fn: 'broken', args: [] },
      { iface: 'i', fn: 'bug', args: [] },
    ]);
    expect(out[0].thrown).toEqual({ payload: { tag: 'denied' } });
    expect(out[1].thrown).toEqual({ name: 'WasmhostError', code: 'io', message: 'disk on fire', data: { disk: 1 } });
    expect(out[2].thrown).toMatchObject({ code: 'trap', message: 'TypeError: not a function' });
  });

  it('posts notes without waiting, and tells the host how many came before each blocking call', async () => {
    const seen: number[] = [];
    const { run, messages } = await channel((r) => seen.push(r.notesBefore));
    const out = await run([
      { iface: 'log', fn: 'log', args: ['a'], note: true },
      { iface: 'log', fn: 'log', args: ['b'], note: true },
      { iface: 'cfg', fn: 'get', args: [] },
      { iface: 'log', fn: 'log', args: ['c'], note: true },
      { iface: 'cfg', fn: 'get', args: [] },
    ]);
    expect(out.map((o) => o.value)).toEqual([undefined, undefined, 1, undefined, 2]);
    expect(seen).toEqual([2, 3]);
    expect(messages).toEqual(['a', 'b', 'c'].map((x) => ({ type: 'note', interface: 'log', function: 'log', args: [x] })));
  });

  it('fails a call the host does not answer in time, then refuses the channel', async () => {
    const { run, server } = await channel(() => new Promise(() => {}), { timeoutMs: 50 });
    const out = await run([{ iface: 'slow:x/y', fn: 'wait', args: [] }, { iface: 'slow:x/y', fn: 'again', args: [] }]);
    const message = 'import slow:x/y#wait got no answer from the host within 50 ms';
    expect(out[0].thrown).toMatchObject({ code: 'trap', message, data: { reason: 'timeout', import: 'slow:x/y#wait' } });
    expect(out[1].thrown).toMatchObject({ message });
    expect(server.pending).toMatchObject({ interface: 'slow:x/y', function: 'wait' });
  });

  it('works with a doorbell message where Atomics.waitAsync is not used', async () => {
    const { run, messages } = await channel((r) => `${r.args[0]}!`, { waitAsync: false });
    const out = await run([{ iface: 'i', fn: 'f', args: ['a'] }, { iface: 'i', fn: 'f', args: ['b'] }]);
    expect(out.map((o) => o.value)).toEqual(['a!', 'b!']);
    expect(messages).toEqual([{ type: 'doorbell' }, { type: 'doorbell' }]);
  });

  it('refuses an answer or a request larger than the buffer, naming the sizes', async () => {
    const { run } = await channel(() => 'x'.repeat(5000), { dataBytes: 4096 });
    const out = await run([{ iface: 'i', fn: 'big', args: [] }, { iface: 'i', fn: 'send', args: ['y'.repeat(5000)] }]);
    expect(out[0].thrown).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/answer of import i#big takes 50\d\d bytes, more than the channel's 4096/) });
    expect(out[1].thrown).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/arguments of import i#send take 50\d\d bytes/) });
  });
});
