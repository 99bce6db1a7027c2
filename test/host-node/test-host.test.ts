import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createTestHost } from '../../host-node/test-host.js';

const ALARM = 'examples/threshold-alarm-c/threshold-alarm.wasm';
const FILTER = 'examples/sensor-filter-js/sensor-filter.wasm';

describe('createTestHost (what a Wasm author writes)', () => {
  it('serves mocked sensors in sequence and records each read with its outcome', async () => {
    const t = createTestHost({ sensors: { soil: { unit: '%', values: [40, 41.5] } }, actuators: ['pump'] });
    const filter = await t.start(await readFile(FILTER), 'filter');
    expect(filter.call('sample', 'soil')).toEqual({ tag: 'ok', val: { value: 40, unit: '%', timestampMs: 0n } });
    // sample() returns the moving average of accepted readings: (40 + 41.5) / 2, then (40 + 41.5 + 41.5) / 3.
    expect(filter.call('sample', 'soil')).toMatchObject({ tag: 'ok', val: { value: 40.75 } });
    expect(filter.call('sample', 'soil')).toMatchObject({ tag: 'ok', val: { value: 41 } });
    expect(filter.call('sample', 'air')).toEqual({ tag: 'err', val: 'air: not-found' });
    const reads = t.callsTo('wasmhost:device/sensors#read');
    expect(reads.map((c) => c.args[0])).toEqual(['soil', 'soil', 'soil', 'air']);
    expect(reads[3].outcome).toEqual({ tag: 'err', val: { tag: 'not-found' } });
    expect(reads[0].workload).toBe('filter');
  });

  it('records config reads, log lines and actuator values', async () => {
    const t = createTestHost({ actuators: ['fan'], config: { threshold: '25', actuator: 'fan' } });
    const alarm = await t.start(await readFile(ALARM));
    alarm.call('process', 30);
    expect(t.actuators).toEqual({ fan: 1 });
    expect(t.callsTo('wasi:config/store#get').map((c) => [c.args[0], c.outcome])).toEqual([
      ['threshold', { tag: 'ok', val: '25' }],
      ['actuator', { tag: 'ok', val: 'fan' }],
    ]);
    expect(t.callsTo('wasmhost:device/actuators#set')[0].args).toEqual(['fan', 1]);
    expect(t.logs.map((l) => l.level)).toEqual(['warn']);
    expect(t.logs[0].message).toContain('rose above threshold 25.0 Cel');
  });

  it('seeds key-value contents, grants their buckets only, and reads back what the component wrote', async () => {
    const t = createTestHost({ keyvalue: { counts: { door: '41' }, last: { door: 'open' } } });
    const kv = await t.start(await readFile('examples/kv-counter-js/kv-counter.wasm'), 'counter');
    expect(kv.call('count', 'door')).toEqual({ tag: 'ok', val: 42n });
    expect(kv.call('last', 'door')).toEqual({ tag: 'ok', val: 'open' });
    kv.call('remember', 'door', 'closed');
    expect(t.keyvalue('counter', 'last', 'door')).toBe('closed');
    expect(t.keyvalue('counter', 'counts', 'door')).toBe('42');
    expect(kv.call('try-open', 'secret')).toBe('access-denied');
    expect(kv.call('try-open', 'counts')).toBe('ok');
  });

  it('grants only what is mocked: an unmocked sensor is denied, not served', async () => {
    const t = createTestHost({ sensors: { a: 1 }, actuators: [] });
    const filter = await t.start(await readFile(FILTER));
    expect(filter.call('sample', 'temperature')).toEqual({ tag: 'err', val: 'temperature: not-found' });
  });
});
