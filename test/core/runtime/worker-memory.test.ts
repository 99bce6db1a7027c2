// The host's side of a worker's memory reports: the last report against the cap, nothing once
// the worker is gone, and gauges per workload (the heap one only once a heap figure came).
import { describe, expect, it } from 'vitest';
import { trackWorkerMemory } from '../../../src/runtime/worker-memory.js';
import { noopTelemetry } from '../../../src/telemetry/telemetry.js';
import { recordingTelemetry } from '../../support/recording-telemetry.js';

describe('worker memory', () => {
  it('keeps the last report against the cap, and drops it when the worker goes', () => {
    const tracked = trackWorkerMemory('w', 1 << 20, noopTelemetry);
    expect(tracked.memory()).toEqual({ linearBytes: 0, limitBytes: 1 << 20 });
    tracked.take({ linearBytes: 65536, heapBytes: 900_000 });
    tracked.take({ linearBytes: 131072, heapBytes: 950_000 });
    expect(tracked.memory()).toEqual({ linearBytes: 131072, limitBytes: 1 << 20, heapBytes: 950_000 });
    tracked.clear();
    expect(tracked.memory()).toEqual({ linearBytes: 0, limitBytes: 1 << 20 });
  });

  it('observes linear bytes at once, the heap only from a report that has it, and stops both on close', () => {
    const { telemetry, readGauges } = recordingTelemetry();
    const tracked = trackWorkerMemory('w', 1 << 20, telemetry);
    tracked.take({ linearBytes: 65536 });
    expect(readGauges('wasmhost.workload.memory')).toEqual([{ value: 65536, attributes: { 'wasmhost.workload': 'w', 'wasmhost.memory.kind': 'linear' } }]);
    tracked.take({ linearBytes: 65536, heapBytes: 800_000 });
    expect(readGauges('wasmhost.workload.memory').map((g) => g.value)).toEqual([65536, 800_000]);
    tracked.close();
    tracked.take({ linearBytes: 65536, heapBytes: 800_000 });
    expect(readGauges('wasmhost.workload.memory')).toEqual([]);
  });
});
