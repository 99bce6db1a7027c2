import { describe, expect, it } from 'vitest';
import { SEQ_CLOCK_SLACK, SEQ_WINDOW, createPeerRegistry } from '../../../src/bridge/peer-registry.js';
import type { BirthFrame } from '../../../src/bridge/frames.js';

const birth = (seq: number, id = 'peer-7'): BirthFrame => ({
  id, class: 'embedded-peer', seq, ifaces: [],
  sensors: [{ name: 'temperature', unit: 'Cel', kind: 'temperature' }],
  actuators: [{ name: 'relay', unit: '', kind: 'relay', min: 0, max: 1 }],
});

describe('peer registry (section 5, the host)', () => {
  it('a birth brings an unknown peer online with its offers', () => {
    const r = createPeerRegistry();
    const result = r.applyBirth(birth(42), 1000);
    expect(result.change).toMatchObject({ type: 'up', peer: 'peer-7' });
    expect(result.note).toBeUndefined();
    expect(r.get('peer-7')).toEqual({ id: 'peer-7', birth: birth(42), online: true, since: 1000 });
    expect(r.list().map((p) => p.id)).toEqual(['peer-7']);
  });

  it('a death with seq ≥ the birth takes it offline; a lower seq is stale and ignored', () => {
    const r = createPeerRegistry();
    r.applyBirth(birth(42), 1000);
    const stale = r.applyDeath({ id: 'peer-7', seq: 41 }, 2000);
    expect(stale.change).toBeUndefined();
    expect(stale.note).toMatch(/stale death of peer peer-7 \(seq 41 < current birth 42\)/);
    expect(r.get('peer-7')?.online).toBe(true);
    const down = r.applyDeath({ id: 'peer-7', seq: 42 }, 3000);
    expect(down.change).toMatchObject({ type: 'down', peer: 'peer-7', state: { online: false, since: 3000 } });
    expect(r.get('peer-7')?.birth.seq).toBe(42);
    // A higher seq also counts (a death for a birth the host missed).
    r.applyBirth(birth(43), 4000);
    expect(r.applyDeath({ id: 'peer-7', seq: 50 }, 5000).change?.type).toBe('down');
  });

  it('the reconnect race: the old will arriving after the new birth does not take the peer down', () => {
    const r = createPeerRegistry();
    r.applyBirth(birth(42), 1000);
    r.applyBirth(birth(43), 2000);
    expect(r.applyDeath({ id: 'peer-7', seq: 42 }, 2001).change).toBeUndefined();
    expect(r.get('peer-7')).toMatchObject({ online: true, birth: { seq: 43 } });
  });

  it('deaths of unknown or offline peers are ignored', () => {
    const r = createPeerRegistry();
    expect(r.applyDeath({ id: 'peer-9', seq: 1 }, 1).change).toBeUndefined();
    expect(r.get('peer-9')).toBeUndefined();
    r.applyBirth(birth(5), 1);
    r.applyDeath({ id: 'peer-7', seq: 5 }, 2);
    const again = r.applyDeath({ id: 'peer-7', seq: 6 }, 3);
    expect(again.change).toBeUndefined();
    expect(again.note).toMatch(/offline peer/);
    expect(r.get('peer-7')?.since).toBe(2);
  });

  it('an offline peer comes back with any birth; a lower seq while online is accepted and noted', () => {
    const r = createPeerRegistry();
    r.applyBirth(birth(10), 1);
    r.applyDeath({ id: 'peer-7', seq: 10 }, 2);
    expect(r.applyBirth(birth(3), 3)).toEqual({ change: expect.objectContaining({ type: 'up' }) });
    const lower = r.applyBirth(birth(1), 4);
    expect(lower.change?.type).toBe('up');
    expect(lower.note).toMatch(/lost its counter/);
    expect(r.get('peer-7')).toMatchObject({ online: true, birth: { seq: 1 } });
  });

  it('an empty retained birth forgets the peer; clearing an unknown peer changes nothing', () => {
    const r = createPeerRegistry();
    r.applyBirth(birth(1), 1);
    r.applyBirth(birth(1, 'peer-8'), 1);
    expect(r.clear('peer-7').change).toEqual({ type: 'forgotten', peer: 'peer-7' });
    expect(r.get('peer-7')).toBeUndefined();
    expect(r.list().map((p) => p.id)).toEqual(['peer-8']);
    expect(r.clear('peer-7')).toEqual({});
  });

  it('refuses a birth that would push the seq to 2^32-1 in one frame; counters and wall-clock seqs still fit', () => {
    const now = Date.UTC(2026, 11, 6); // ms
    const clock = Math.floor(now / 1000);
    const r = createPeerRegistry();
    // The attack: a first birth at the maximum, which would make every later death "stale".
    const max = r.applyBirth(birth(2 ** 32 - 1), now);
    expect(max.change).toBeUndefined();
    expect(max.note).toMatch(/seq 4294967295 refused/);
    expect(r.get('peer-7')).toBeUndefined();
    // A counter moves within the window; a wall-clock seq within the clock slack.
    expect(r.applyBirth(birth(5), now).change).toMatchObject({ type: 'up' });
    expect(r.applyBirth(birth(5 + SEQ_WINDOW), now).change).toMatchObject({ type: 'up' });
    expect(r.applyBirth(birth(clock + SEQ_CLOCK_SLACK), now).change).toMatchObject({ type: 'up' });
    expect(r.applyBirth(birth(clock + SEQ_CLOCK_SLACK + SEQ_WINDOW + 1), now).change).toBeUndefined();
    // A peer that lost its counter comes back lower, and its death still counts.
    expect(r.applyBirth(birth(1), now).change).toMatchObject({ type: 'up' });
    expect(r.applyDeath({ id: 'peer-7', seq: 1 }, now).change).toMatchObject({ type: 'down' });
  });

  it('holds at most maxPeers peers: births of further new ids are refused, known ones still served', () => {
    const r = createPeerRegistry({ maxPeers: 3 });
    for (let i = 0; i < 2000; i++) r.applyBirth(birth(1, `invented-${i}`), 1000);
    expect(r.list()).toHaveLength(3);
    expect(r.applyBirth(birth(2, 'invented-0'), 2000).change).toMatchObject({ type: 'up' });
    expect(r.applyBirth(birth(1, 'new'), 2000).note).toMatch(/registry holds its maximum of 3 peers/);
  });
});
