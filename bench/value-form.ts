// Does the channel's binary value form (src/runtime/channel-values.ts) beat structured clone for
// the values an export call carries on the default message path? Two measures: the encoding alone
// on this thread (structuredClone, which is what postMessage runs, against encode + decode), and a
// bare worker_threads round trip posting a call message with the arguments as values or as one
// Uint8Array in the binary form (the worker decodes it and answers the same way).
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createValueWriter, decodeValue } from '../src/runtime/channel-values.js';
import { median, nsPerOp, row } from './measure.js';

const VALUES = fileURLToPath(new URL('../src/runtime/channel-values.js', import.meta.url));

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.values).then(({ createValueWriter, decodeValue }) => {
  const writer = createValueWriter();
  parentPort.on('message', (m) => {
    if (m.encoded) {
      const args = decodeValue(m.encoded);
      parentPort.postMessage({ type: 'result', id: m.id, encoded: writer.encode(args[0] + 1).slice() });
    } else parentPort.postMessage({ type: 'result', id: m.id, value: m.args[0] + 1 });
  });
  parentPort.postMessage('up');
});`;

/** µs per round trip of each way, batches interleaved, median of 7. */
async function roundTrips(args: unknown[]): Promise<{ clone: number; binary: number }> {
  const worker = new Worker(WORKER, { eval: true, workerData: { values: VALUES } });
  await new Promise((resolve) => worker.once('message', resolve));
  let answer: (m: { value?: unknown; encoded?: Uint8Array }) => void = () => {};
  worker.on('message', (m) => answer(m));
  const writer = createValueWriter();
  let id = 0;
  const ways = {
    clone: () => new Promise((resolve) => { answer = (m) => resolve(m.value); worker.postMessage({ type: 'call', id: ++id, path: 'process', args }); }),
    binary: () => new Promise((resolve) => { answer = (m) => resolve(decodeValue(m.encoded!)); worker.postMessage({ type: 'call', id: ++id, path: 'process', args: [], encoded: writer.encode(args).slice() }); }),
  };
  const samples: Record<keyof typeof ways, number[]> = { clone: [], binary: [] };
  for (const op of Object.values(ways)) for (let i = 0; i < 3000; i++) await op();
  for (let r = 0; r < 7; r++) {
    for (const [name, op] of Object.entries(ways) as [keyof typeof ways, () => Promise<unknown>][]) {
      const t = performance.now();
      for (let i = 0; i < 2000; i++) await op();
      samples[name].push((performance.now() - t) / 2);
    }
  }
  await worker.terminate();
  return { clone: median(samples.clone), binary: median(samples.binary) };
}

export async function valueForm(): Promise<string[]> {
  const cases: Record<string, unknown> = {
    'process(f64) args [21.5]': [21.5],
    'classify(string, f64) args': ['greenhouse', 21.5],
    'a log line [level, context, message]': ['info', 'threshold-alarm', 'temperature 21.5 above 20'],
    'a reading record': { tag: 'ok', val: { value: 21.5, unit: 'celsius', timestamp: 1765000000000n } },
  };
  const writer = createValueWriter();
  const lines = ['value form: structured clone (postMessage) against the binary form (channel-values.ts)'];
  for (const [label, value] of Object.entries(cases)) {
    const ns = nsPerOp({ clone: () => structuredClone(value), binary: () => decodeValue(writer.encode(value)) });
    lines.push(row(`${label}: structuredClone`, ns.clone, 'ns'), row(`${label}: encode + decode`, ns.binary, 'ns', { label: 'structuredClone', value: ns.clone }));
  }
  const trip = await roundTrips([21.5]);
  lines.push(
    row('worker round trip, process(f64) call, values', trip.clone, 'µs'),
    row('worker round trip, same as binary Uint8Array', trip.binary, 'µs', { label: 'values', value: trip.clone }),
  );
  return lines;
}
