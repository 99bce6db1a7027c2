// The note ring's two sides on one buffer in one thread: order, wrap-around, full and too-large.
import { describe, expect, it } from 'vitest';
import { createNoteDrain, createNoteReader, createNoteRingBuffer, createNoteWriter, noteFunctions } from '../../../src/runtime/note-ring.js';
import type { WasmhostError } from '../../../src/errors.js';

describe('note ring', () => {
  it('numbers only the functions that return nothing, in plan order', () => {
    const plan = [
      { name: 'a:b/log', functions: [{ name: 'log', js: 'log', returns: false }, { name: 'level', js: 'level', returns: true }] },
      { name: 'a:b/panels', functions: [{ name: 'show', js: 'show', returns: true }, { name: 'remove', js: 'remove', returns: false }] },
    ];
    expect(noteFunctions(plan)).toEqual([{ interface: 'a:b/log', function: 'log' }, { interface: 'a:b/panels', function: 'remove' }]);
  });

  it('hands back every note in order across many wrap-arounds of entries of varying size', () => {
    const ring = createNoteRingBuffer(256);
    const writer = createNoteWriter(ring);
    const reader = createNoteReader(ring);
    const sent: unknown[][] = [];
    const got: unknown[][] = [];
    let fulls = 0;
    for (let i = 0; i < 2000; i++) {
      const args = [i % 6, 'ctx', 'x'.repeat((i * 7) % 90)];
      let written = writer.write(i % 3, args);
      if (written === 'full') {
        fulls++;
        reader.drain((fn, a) => void got.push([fn, ...a]));
        written = writer.write(i % 3, args);
      }
      expect(written).toBe('written');
      sent.push([i % 3, ...args]);
      if (i % 5 === 0) reader.drain((fn, a) => void got.push([fn, ...a]));
    }
    reader.drain((fn, a) => void got.push([fn, ...a]));
    expect(got).toEqual(sent);
    expect(fulls).toBeGreaterThan(10);
  });

  it('says full when there is no room and too-large for a note over half the ring', () => {
    const ring = createNoteRingBuffer(64);
    const writer = createNoteWriter(ring);
    expect(writer.write(0, ['abcd'])).toBe('written');
    expect(writer.write(0, ['abcd'])).toBe('written');
    expect(writer.write(0, ['abcd'])).toBe('full');
    expect(writer.write(0, ['x'.repeat(40)])).toBe('too-large');
  });

  it('stops when asked, leaving the rest for the next drain', () => {
    const ring = createNoteRingBuffer(1024);
    const writer = createNoteWriter(ring);
    const reader = createNoteReader(ring);
    for (let i = 0; i < 5; i++) writer.write(0, [i]);
    const got: unknown[] = [];
    expect(reader.drain((_, a) => void got.push(a[0]), () => got.length < 2)).toBe(2);
    expect(reader.drain((_, a) => void got.push(a[0]))).toBe(3);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a malformed entry instead of reading past it', () => {
    const ring = createNoteRingBuffer(64);
    createNoteWriter(ring).write(0, [1]);
    new DataView(ring, 8).setUint32(0, 1000, true);
    expect(() => createNoteReader(ring).drain(() => {})).toThrow(/corrupt note ring: an entry of 1000 bytes/);
  });

  describe('the host drain', () => {
    const plan = [{ name: 'a:b/log', functions: [{ name: 'log', js: 'log', returns: false }] }];

    function setup(run: (args: unknown[]) => unknown) {
      const ring = createNoteRingBuffer(1024);
      const failures: WasmhostError[] = [];
      const ran: unknown[] = [];
      const drain = createNoteDrain(ring, plan, {
        name: 'w', run: (_i, _f, args) => (ran.push(args[0]), run(args)),
        fail: (error) => (failures.push(error), drain.close()), everyMs: 1,
      });
      return { writer: createNoteWriter(ring), drain, failures, ran };
    }

    it('runs notes in order; the first failing one is reported and those after it are not run', () => {
      const { writer, drain, failures, ran } = setup((args) => { if (args[0] === 2) throw new Error('sink is full'); });
      for (let i = 0; i < 5; i++) writer.write(0, [i]);
      drain.drain();
      expect(ran).toEqual([0, 1, 2]);
      expect(failures.map((e) => e.message)).toEqual(['import a:b/log#log of w failed: sink is full']);
    });

    it('refuses a note naming a function that returns something (not in the note numbering)', () => {
      const { writer, drain, failures, ran } = setup(() => undefined);
      writer.write(1, ['x']);
      drain.drain();
      expect(ran).toEqual([]);
      expect(failures[0]?.message).toBe("w's worker sent note #1, which is not a fire-and-forget import of this component");
    });

    it('drains on its timer while busy, and its timer ends once not', async () => {
      const { writer, drain, ran } = setup(() => undefined);
      let busy = true;
      drain.watch(() => busy);
      writer.write(0, ['while busy']);
      while (ran.length === 0) await new Promise((r) => setTimeout(r, 1));
      busy = false;
      await new Promise((r) => setTimeout(r, 20));
      writer.write(0, ['after']);
      await new Promise((r) => setTimeout(r, 20));
      expect(ran).toEqual(['while busy']);
    });
  });
});
