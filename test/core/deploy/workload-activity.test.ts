import { describe, expect, it } from 'vitest';
import { createCallActivity, describeGrants, describeLimits, describeMemory, describeTrigger } from '../../../src/deploy/workload-activity.js';

describe('workload activity for the console', () => {
  it('counts calls and errors, averages their time and keeps the last result, cut to 200 characters', () => {
    let now = 0;
    const activity = createCallActivity(() => now);
    expect(activity.snapshot()).toEqual({ calls: 0, errors: 0 });
    now = 10;
    activity.record(4, true, '{"ok":1}');
    now = 30;
    activity.record(20, false, 'x'.repeat(300));
    const s = activity.snapshot();
    expect(s).toMatchObject({ calls: 2, errors: 1, meanMs: 8, last: { at: 30, ok: false } });
    expect(s.last!.text).toHaveLength(200);
    expect(s.last!.text.endsWith('…')).toBe(true);
  });

  it('describes grants, triggers and limits in one line each', () => {
    expect(describeGrants({ sensors: ['temperature', 'fan'], keyvalue: { buckets: ['counts'] }, network: true, http: { allow: ['https://a.example'], timeoutMs: 500 } })).toEqual([
      'sensors: temperature, fan', 'keyvalue: buckets counts', 'network: true', 'http: allow https://a.example; timeoutMs 500',
    ]);
    expect(describeTrigger({ kind: 'interval', everyMs: 2000, export: 'sample', args: ['"temperature"'], output: 'kiosk/t' })).toBe('every 2000 ms: sample("temperature") → kiosk/t');
    expect(describeTrigger({ kind: 'reading', sensors: ['peer-7/temperature'], export: 'on-reading' })).toBe('readings of peer-7/temperature: on-reading');
    expect(describeTrigger({ kind: 'http', path: '/api' })).toBe('http /api');
    expect(describeLimits({ isolation: 'worker', callTimeoutMs: 2000, memoryBytes: 64 * 2 ** 20 })).toBe('own worker · calls ≤ 2000 ms · memory ≤ 64 MiB');
    expect(describeMemory({ linearBytes: 3 * 65536, limitBytes: 16 * 2 ** 20, heapBytes: 1.25 * 2 ** 20 })).toBe('192 KiB of 16 MiB linear memory · worker heap 1.3 MiB');
    expect(describeMemory({ linearBytes: 65536 })).toBe('64 KiB linear memory');
  });
});
