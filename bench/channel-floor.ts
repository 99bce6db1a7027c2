// The floor under every host ↔ worker figure: a bare worker_threads round trip with no
// wasmhost code, by message and by shared memory (the worker sleeping in Atomics.wait,
// the host in Atomics.waitAsync), with and without spinning before sleeping. An isolated
// call or blocking import cannot be cheaper than the primitive it rides on.
import { Worker } from 'node:worker_threads';
import { median, row } from './measure.js';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const h = new Int32Array(workerData.sab);
parentPort.on('message', (m) => {
  if (m !== 'ring') return parentPort.postMessage(m + 1);
  for (;;) {
    for (let i = 0; i < workerData.spin && Atomics.load(h, 0) !== 1; i++);
    for (;;) { const s = Atomics.load(h, 0); if (s === 1) break; Atomics.wait(h, 0, s); }
    if (h[1] < 0) return parentPort.postMessage('done');
    h[1]++;
    Atomics.store(h, 0, 2);
    Atomics.notify(h, 0);
  }
});`;

/** µs per round trip, median of 5 batches after a warm-up, for one worker (`spin`: iterations it polls before it sleeps). */
async function roundTrips(spin: number, hostSpin: number): Promise<{ message: number; ring: number }> {
  const sab = new SharedArrayBuffer(8);
  const h = new Int32Array(sab);
  const worker = new Worker(WORKER, { eval: true, workerData: { sab, spin } });
  let answer: (v: unknown) => void = () => {};
  worker.on('message', (m) => answer(m));
  const message = (v: number) => new Promise((resolve) => { answer = resolve; worker.postMessage(v); });
  const ring = async (v: number) => {
    h[1] = v;
    Atomics.store(h, 0, 1);
    Atomics.notify(h, 0);
    for (let i = 0; i < hostSpin && Atomics.load(h, 0) !== 2; i++);
    if (Atomics.load(h, 0) !== 2) {
      const wait = Atomics.waitAsync(h, 0, 1);
      if (wait.async) await wait.value;
    }
    Atomics.store(h, 0, 0);
    return h[1];
  };
  const usPer = async (op: (v: number) => Promise<unknown>) => {
    for (let i = 0; i < 3000; i++) await op(i);
    const batches: number[] = [];
    for (let b = 0; b < 5; b++) {
      const t = performance.now();
      for (let i = 0; i < 2000; i++) await op(i);
      batches.push((performance.now() - t) / 2);
    }
    return median(batches);
  };
  const viaMessage = await usPer(message);
  const done = new Promise((resolve) => (answer = resolve));
  worker.postMessage('ring');
  const viaRing = await usPer(ring);
  h[1] = -1;
  Atomics.store(h, 0, 1);
  Atomics.notify(h, 0);
  await done;
  await worker.terminate();
  return { message: viaMessage, ring: viaRing };
}

/** The bench section: bare round trips, the floor of the isolation rows. */
export async function channelFloor(): Promise<string[]> {
  const plain = await roundTrips(0, 0);
  const workerSpins = await roundTrips(20_000, 0);
  const bothSpin = await roundTrips(20_000, 2_000);
  return [
    'host ↔ worker floor (bare worker_threads, no wasmhost code; µs per round trip, median of 5 batches of 2000)',
    row('postMessage ping-pong', plain.message, 'µs'),
    row('shared memory: worker Atomics.wait, host waitAsync', plain.ring, 'µs', { label: 'postMessage', value: plain.message }),
    row('  + worker polls ~20k loads before it sleeps', workerSpins.ring, 'µs', { label: 'postMessage', value: plain.message }),
    row('  + host polls ~2k loads before waitAsync', bothSpin.ring, 'µs', { label: 'postMessage', value: plain.message }),
  ];
}
