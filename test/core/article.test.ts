import { describe, expect, it } from 'vitest';
import { article, withArticle } from '../../src/article.js';

describe('article', () => {
  it.each([
    ['incoming-request', 'an'], ["'actuators'", 'an'], ['own<counter>', 'an'], ['option<u8>', 'an'], ['s32', 'an'], ['f64', 'an'],
    ['u32', 'a'], ['u8', 'a'], ['borrow<counter>', 'a'], ["'sensors'", 'a'], ['linux', 'a'], ['browser', 'a'], ['embedded-peer', 'an'],
    ['unit', 'a'], ['update', 'an'], ['instance', 'an'], ['core module', 'a'],
  ])('%s → %s', (word, expected) => {
    expect(article(word)).toBe(expected);
  });

  it('prefixes the text', () => {
    expect(withArticle('incoming-request resource handle')).toBe('an incoming-request resource handle');
  });
});
