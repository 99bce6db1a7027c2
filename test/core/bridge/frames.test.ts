import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_ROOT, parsePeerTopic, peerTopicFilter, peerTopics, utf8Length } from '../../../src/bridge/frames.js';
import { badInput } from '../../support/bad-input.js';

describe('peer topics', () => {
  it('names the five topics of a peer under the root', () => {
    expect(peerTopics(DEFAULT_TOPIC_ROOT, 'peer-7')).toEqual({
      birth: 'wasmhost/v1/peers/peer-7/birth',
      death: 'wasmhost/v1/peers/peer-7/death',
      rpc: 'wasmhost/v1/peers/peer-7/rpc',
      reply: 'wasmhost/v1/peers/peer-7/reply',
      data: 'wasmhost/v1/peers/peer-7/data',
    });
    expect(peerTopicFilter('site/a', 'birth')).toBe('site/a/peers/+/birth');
  });

  it('refuses invalid peer ids and roots', () => {
    expect(badInput(() => peerTopics('wasmhost/v1', 'peer/7'))).toBe("'peer/7' is not a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)");
    expect(badInput(() => peerTopics('wasmhost/v1', '+'))).toBe("'+' is not a valid peer id (1–64 characters of A-Z a-z 0-9 _ -)");
    expect(badInput(() => peerTopics('wasmhost/v1', 'p'.repeat(65)))).toContain('is not a valid peer id');
    expect(badInput(() => peerTopics('', 'p'))).toBe("bridge topic root '' must be 1–128 bytes");
    expect(badInput(() => peerTopics('a/#', 'p'))).toBe("bridge topic root 'a/#' must not contain +, # or NUL");
    expect(badInput(() => peerTopics('$SYS/x', 'p'))).toBe("bridge topic root '$SYS/x' must not start with $");
    expect(badInput(() => peerTopics('a//b', 'p'))).toBe("bridge topic root 'a//b' must not have empty levels");
    expect(badInput(() => peerTopicFilter('a/+', 'rpc'))).toBe("bridge topic root 'a/+' must not contain +, # or NUL");
  });

  it('parses a peer topic into peer and kind, and nothing else', () => {
    expect(parsePeerTopic('wasmhost/v1', 'wasmhost/v1/peers/peer-7/birth')).toEqual({ peer: 'peer-7', kind: 'birth' });
    expect(parsePeerTopic('wasmhost/v1', 'wasmhost/v1/peers/P_9/data')).toEqual({ peer: 'P_9', kind: 'data' });
    for (const topic of [
      'wasmhost/v1/peers/peer-7', 'wasmhost/v1/peers/peer-7/', 'wasmhost/v1/peers/peer-7/boot',
      'wasmhost/v1/peers/peer-7/birth/x', 'wasmhost/v1/peers/pe.er/birth', 'wasmhost/v1/peers//birth',
      'wasmhost/v1/peers/+/birth', 'wasmhost/v2/peers/peer-7/birth', 'other/wasmhost/v1/peers/peer-7/birth',
      'wasmhost/v1/workloads/w/in', `wasmhost/v1/peers/${'p'.repeat(65)}/rpc`,
    ]) {
      expect(parsePeerTopic('wasmhost/v1', topic), topic).toBeUndefined();
    }
  });

  it('counts UTF-8 bytes', () => {
    expect([utf8Length(''), utf8Length('a'), utf8Length('é'), utf8Length('€'), utf8Length('😀'), utf8Length('\ud800')]).toEqual([0, 1, 2, 3, 4, 3]);
  });
});
