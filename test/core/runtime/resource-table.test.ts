// The host's resource table for one worker: handles a worker names are checked (live, of the
// type it says, of the type the WIT signature takes), and a forged or stale handle is refused
// with a clear error. Values cross through the channel's real codec.
import { describe, expect, it } from 'vitest';
import { createResourceTable } from '../../../src/runtime/resource-table.js';
import { decodeValue, encodeValue, type ResourceCodec } from '../../../src/runtime/channel-values.js';

class Bucket {
  disposed = 0;
  constructor(readonly name: string) {}
  [Symbol.dispose](): void { this.disposed++; }
}
class Cas {}
const types = { keys: ['wasi:keyvalue/store#bucket', 'wasi:keyvalue/atomics#cas'] };
const table = (name = 'w') => createResourceTable(name, types, [Bucket, Cas]);

/** A worker that tags every resource with the handle and type it likes. */
const forger = (type: number, handle: number): ResourceCodec => ({ toHandle: () => [type, handle], fromHandle: () => ({}) });
/** What the host decodes from a request a (forging) worker encoded. */
const arrive = (host: ReturnType<typeof table>, worker: ResourceCodec) => decodeValue(encodeValue([new StandIn()], worker), host) as unknown[];
class StandIn {}

describe('createResourceTable', () => {
  it('hands out a fresh handle per object and gets the same object back', () => {
    const t = table();
    const b = new Bucket('a');
    const bytes = encodeValue({ ok: b }, t);
    expect(t.size).toBe(1);
    // Another side's codec (the worker's) sees [type, handle] = [0, 1].
    const seen = decodeValue(bytes, { toHandle: () => undefined, fromHandle: (type, handle) => ({ type, handle }) });
    expect(seen).toEqual({ ok: { type: 0, handle: 1 } });
    expect(arrive(t, forger(0, 1))).toEqual([b]);
  });

  it('refuses a handle that was never handed out, a dropped one, and one of another workload', () => {
    const a = table('a');
    const b = table('b');
    encodeValue(new Bucket('x'), a);
    expect(() => arrive(a, forger(0, 99))).toThrow(expect.objectContaining({ code: 'trap', message: "a's worker named resource handle 99 (wasi:keyvalue/store bucket), which is not live in its table: it was dropped, or never handed to this workload" }));
    expect(() => arrive(b, forger(0, 1))).toThrow(/b's worker named resource handle 1 .*not live in its table/);
    a.drop([1]);
    expect(() => arrive(a, forger(0, 1))).toThrow(/not live in its table/);
  });

  it('refuses a handle tagged with another type', () => {
    const t = table();
    encodeValue(new Bucket('x'), t);
    expect(() => arrive(t, forger(1, 1))).toThrow(expect.objectContaining({ code: 'trap', message: "w's worker named resource handle 1 a wasi:keyvalue/atomics cas, but it is a wasi:keyvalue/store bucket" }));
  });

  it("checks arguments against the function's WIT signature", () => {
    const t = table();
    const cas = new Cas();
    encodeValue([new Bucket('x'), cas], t);
    const [c] = arrive(t, forger(1, 2));
    const params = [{ index: 0, type: 0, own: false, optional: false }];
    expect(() => t.checkParams('wasi:keyvalue/atomics#increment', [c, 'k', 1n], params)).toThrow("w's worker passed a wasi:keyvalue/atomics cas as argument 1 of wasi:keyvalue/atomics#increment, which takes a wasi:keyvalue/store bucket");
    expect(() => t.checkParams('f', [{}], params)).toThrow(/passed no resource as argument 1/);
    expect(() => t.checkParams('f', [undefined], [{ ...params[0]!, optional: true }])).not.toThrow();
  });

  it('forgets own arguments after the call (the host owns them), disposes of dropped ones, and of all on clear', () => {
    const t = table();
    const [b1, b2, b3] = [new Bucket('1'), new Bucket('2'), new Bucket('3')];
    encodeValue([b1, b2, b3], t);
    const [given] = arrive(t, forger(0, 1));
    t.releaseOwned([given], [{ index: 0, type: 0, own: true, optional: false }]);
    expect(t.size).toBe(2);
    expect(b1.disposed).toBe(0);
    t.drop([2, 2, 42]);
    expect([b2.disposed, t.size, t.unknownDrops]).toEqual([1, 1, 2]);
    expect(t.clear()).toEqual([]);
    expect([b3.disposed, t.size]).toEqual([1, 0]);
  });

  it('refuses to hand out more handles than its cap (they live in the host, outside the worker heap cap)', () => {
    const t = createResourceTable('greedy', types, [Bucket, Cas], 2);
    encodeValue([new Bucket('1'), new Bucket('2')], t);
    expect(() => encodeValue(new Bucket('3'), t)).toThrow(expect.objectContaining({ code: 'trap', message: 'greedy holds 2 resource handles, the most one workload may hold; it is stopped (does it drop what it opens?)' }));
    t.drop([1]);
    expect(() => encodeValue(new Bucket('3'), t)).not.toThrow();
  });

  it('values of no known class still cannot cross', () => {
    expect(() => encodeValue(new Map(), table())).toThrow(/a Map cannot cross/);
  });
});
