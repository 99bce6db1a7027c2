import { describe, expect, it } from 'vitest';
import { createDisplayBoard, DISPLAY_LIMITS, DisplayError, type DisplayItem } from '../../../src/runtime/display-board.js';

const value = (label: string, v = 1): DisplayItem => ({ label, content: { kind: 'value', value: v, unit: 'Cel' } });
const series = (label: string, unit = 'Cel'): DisplayItem => ({ label, content: { kind: 'series', unit, points: [] } });

function refusal(change: () => void): { tag: string; message: string } {
  try {
    change();
  } catch (error) {
    if (error instanceof DisplayError) return { tag: error.tag, message: error.message };
    throw error;
  }
  throw new Error('the change was taken');
}

describe('display board', () => {
  it('keeps panels per workload, sorted, and tells subscribers of each change', () => {
    const board = createDisplayBoard(() => 7);
    let changes = 0;
    board.subscribe(() => changes++);
    board.show('b', 'zone', 'Zone', [value('t')]);
    board.show('a', 'main', 'Main', []);
    board.show('b', 'alpha', 'Alpha', []);
    expect(board.panels().map((p) => `${p.workload}:${p.name}`)).toEqual(['a:main', 'b:alpha', 'b:zone']);
    board.remove('b', 'zone');
    board.remove('b', 'zone'); // not shown: no change
    board.removeWorkload('a');
    expect(board.panels().map((p) => p.name)).toEqual(['alpha']);
    expect(changes).toBe(5);
  });

  it('keeps the points of a series shown again with the same label and unit, and only the newest', () => {
    let now = 0;
    const board = createDisplayBoard(() => now++);
    board.show('w', 'p', 'P', [series('trend')]);
    for (let i = 0; i < DISPLAY_LIMITS.seriesPoints + 5; i++) board.append('w', 'p', 'trend', i);
    board.show('w', 'p', 'P again', [value('t'), series('trend')]);
    const trend = board.panels()[0].items[1].content;
    expect(trend.kind === 'series' && trend.points.map((p) => p.value)).toEqual(Array.from({ length: DISPLAY_LIMITS.seriesPoints }, (_, i) => i + 5));
    board.show('w', 'p', 'P', [series('trend', '%RH')]);
    const fresh = board.panels()[0].items[0].content;
    expect(fresh.kind === 'series' && fresh.points).toEqual([]);
  });

  it('refuses what passes its limits or is malformed, naming the problem, and keeps what it had', () => {
    const board = createDisplayBoard();
    board.show('w', 'p', 'P', [value('t', 1)]);
    expect(refusal(() => board.show('w', 'Bad Name', 'x', []))).toMatchObject({ tag: 'invalid', message: expect.stringContaining('kebab-case') });
    expect(refusal(() => board.show('w', 'p', 'P', Array.from({ length: DISPLAY_LIMITS.itemsPerPanel + 1 }, (_, i) => value(`r${i}`))))).toMatchObject({ tag: 'too-large' });
    expect(refusal(() => board.show('w', 'p', 'x'.repeat(201), []))).toMatchObject({ tag: 'too-large', message: expect.stringContaining('201 characters') });
    expect(refusal(() => board.show('w', 'p', 'P', [{ label: 'g', content: { kind: 'gauge', value: 1, min: 5, max: 5, unit: '' } }]))).toMatchObject({ tag: 'invalid' });
    expect(refusal(() => board.show('w', 'p', 'P', [value('nan', Number.NaN)]))).toMatchObject({ tag: 'invalid' });
    expect(refusal(() => board.append('w', 'p', 't', 1))).toMatchObject({ tag: 'not-found', message: expect.stringContaining('no series row') });
    expect(refusal(() => board.append('w', 'q', 't', 1))).toMatchObject({ tag: 'not-found' });
    for (let i = 1; i < DISPLAY_LIMITS.panelsPerWorkload; i++) board.show('w', `p${i}`, '', []);
    expect(refusal(() => board.show('w', 'one-more', '', []))).toMatchObject({ tag: 'too-large', message: expect.stringContaining(`at most ${DISPLAY_LIMITS.panelsPerWorkload} panels`) });
    board.show('other', 'one-more', '', []); // another workload has its own budget
    expect(board.panels().find((p) => p.workload === 'w' && p.name === 'p')?.items).toEqual([value('t', 1)]);
  });
});
