// The channel's two sides: the host side runs here, the blocking side in a real worker
// thread (Atomics.wait), loaded from dist/ because workers do not run TypeScript.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { WasmhostError } from '../../../src/errors.js';
import { interfaceError } from '../../../src/capabilities/interface-error.js';
import { createSyncCallBuffer, serveSyncCalls, type SyncCallRequest, type SyncCallServer } from '../../../src/runtime/sync-call-channel.js';
import { createNoteReader, createNoteRingBuffer } from '../../../src/runtime/note-ring.js';
import { NOTE_FLUSH, type ForwardedInterface, type WorkerToHost } from '../../../src/runtime/isolate-protocol.js';

const BUILT = new URL('../../../dist/src/runtime/sync-call-channel.js', import.meta.url);
const SOURCE = new URL('../../../src/runtime/sync-call-channel.ts', import.meta.url);

// Runs a list of steps (blocking calls or notes) in the worker and posts what each gave.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.url).then(({ createSyncCallClient }) => {
  const notes = workerData.ring && { ring: workerData.ring, plan: workerData.plan };
  const client = createSyncCallClient(workerData.buffer, { timeoutMs: workerData.timeoutMs, post: (m) => parentPort.postMessage(m), notes });
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

/** The plan of the note tests: `log#log` returns nothing (a note), `cfg#get` returns something. */
const PLAN: ForwardedInterface[] = [
  { name: 'log', functions: [{ name: 'log', js: 'log', returns: false }] },
  { name: 'cfg', functions: [{ name: 'get', js: 'get', returns: true }] },
];

/** A worker client and a host server on one buffer (and a note ring, with `ringBytes`); `messages` collects the worker's doorbells. */
async function channel(handler: (r: SyncCallRequest) => unknown, options: { timeoutMs?: number; waitAsync?: boolean; dataBytes?: number; ring?: SharedArrayBuffer } = {}) {
  if ((statSync(BUILT, { throwIfNoEntry: false })?.mtimeMs ?? 0) < statSync(SOURCE).mtimeMs) {
    throw new Error('dist/ is missing or older than src/runtime/sync-call-channel.ts: run `npm run build` (npm test does)');
  }
  const buffer = createSyncCallBuffer(options.dataBytes);
  const server: SyncCallServer = serveSyncCalls(buffer, handler, { waitAsync: options.waitAsync });
  const worker = new Worker(WORKER, { eval: true, workerData: { url: BUILT.href, buffer, timeoutMs: options.timeoutMs ?? 5000, ring: options.ring, plan: PLAN } });
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

  /** A host that drains the ring before each blocking call, as isolated-workload.ts does, and logs what it ran. */
  function notesHost(ringBytes: number) {
    const ring = createNoteRingBuffer(ringBytes);
    const reader = createNoteReader(ring);
    const seen: string[] = [];
    let flushes = 0;
    const handler = (r: SyncCallRequest) => {
      reader.drain((fn, args) => void seen.push(`note ${fn} ${String(args[0])}`));
      if (r.interface === NOTE_FLUSH) return void flushes++;
      seen.push(`${r.interface}#${r.function} ${String(r.args[0])}`);
      return seen.length;
    };
    return { ring, reader, seen, handler, flushes: () => flushes };
  }

  it('writes notes to the ring without blocking; the host drains them before each blocking call, in order', async () => {
    const host = notesHost(4096);
    const { run, messages } = await channel(host.handler, { ring: host.ring });
    const out = await run([
      { iface: 'log', fn: 'log', args: ['a'], note: true },
      { iface: 'log', fn: 'log', args: ['b'], note: true },
      { iface: 'cfg', fn: 'get', args: [1] },
      { iface: 'log', fn: 'log', args: ['c'], note: true },
    ]);
    expect(out.map((o) => o.value)).toEqual([undefined, undefined, 3, undefined]);
    expect(host.seen).toEqual(['note 0 a', 'note 0 b', 'cfg#get 1']);
    host.reader.drain((fn, args) => void host.seen.push(`note ${fn} ${String(args[0])}`)); // as at the call's end
    expect(host.seen.at(-1)).toBe('note 0 c');
    expect(messages).toEqual([]);
    expect(host.flushes()).toBe(0);
  });

  it('flushes a full ring through a blocking call and loses nothing', async () => {
    const host = notesHost(64); // two small notes fit
    const { run } = await channel(host.handler, { ring: host.ring });
    const steps: Step[] = Array.from({ length: 50 }, (_, i) => ({ iface: 'log', fn: 'log', args: [`n${i}`], note: true }));
    await run([...steps, { iface: 'cfg', fn: 'get', args: ['end'] }]);
    expect(host.seen).toEqual([...steps.map((s) => `note 0 ${String(s.args[0])}`), 'cfg#get end']);
    expect(host.flushes()).toBeGreaterThanOrEqual(20);
  });

  it('sends a note too large for the ring as a blocking call, after the notes before it', async () => {
    const host = notesHost(64);
    const { run } = await channel(host.handler, { ring: host.ring });
    const big = 'y'.repeat(100);
    await run([{ iface: 'log', fn: 'log', args: ['small'], note: true }, { iface: 'log', fn: 'log', args: [big], note: true }]);
    expect(host.seen).toEqual(['note 0 small', `log#log ${big}`]);
  });

  it('without a ring, sends notes as blocking calls', async () => {
    const host = notesHost(64);
    const { run } = await channel(host.handler);
    await run([{ iface: 'log', fn: 'log', args: ['a'], note: true }]);
    expect(host.seen).toEqual(['log#log a']);
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
